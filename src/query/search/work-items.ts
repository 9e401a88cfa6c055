import type { PartitionLog, TokenBlock } from '../../storage/index.js';
import type { TokenRequirement } from '../language/index.js';

/** Unindexed ranges are read in pieces of about this size, cut at batch starts: a scan holds one piece at a time. */
export const PIECE_BYTES = 1024 * 1024;

/** One stretch of a segment a scan may read: an indexed block, or a piece of an unindexed range. */
export interface WorkItem {
  segmentBase: number;
  start: number;
  end: number;
  firstOffset: number;
  /** Last offset it can hold (for an unindexed piece: up to where the next stretch begins). */
  lastOffset: number;
  /** Timestamp bounds when known (indexed blocks); -Infinity/Infinity when not. */
  minTimestamp: number;
  maxTimestamp: number;
  block: TokenBlock | null;
}

/** True unless the block's bloom filter proves some required word absent. */
export function blockMayMatch(block: TokenBlock, req: TokenRequirement): boolean {
  if (req === 'any') return true;
  if ('all' in req) return block.mayContainAll(req.all);
  if ('allOf' in req) return req.allOf.every((r) => blockMayMatch(block, r));
  return req.anyOf.some((r) => blockMayMatch(block, r));
}

/** Batch start positions in [start, end) of a segment about `PIECE_BYTES` apart, from its sparse offset index. */
function cutPoints(log: PartitionLog, segmentBase: number, start: number, end: number): { position: number; offset: number }[] {
  const seg = log.segments.find((s) => s.baseOffset === segmentBase);
  const cuts: { position: number; offset: number }[] = [];
  if (!seg) return cuts;
  const idx = seg.offsetIndex;
  let last = start;
  for (let i = 0; i < idx.entries; i++) {
    const e = idx.entry(i);
    if (e.position >= end) break;
    if (e.position - last >= PIECE_BYTES) {
      cuts.push(e);
      last = e.position;
    }
  }
  return cuts;
}

/**
 * Every stretch of the partition, oldest first, from its search spans: blocks as they are, unindexed ranges cut into
 * pieces. Offsets of unindexed pieces end where the next span begins (the log end for the last one).
 */
export function workItems(log: PartitionLog): WorkItem[] {
  const spans = log.searchSpans();
  const out: WorkItem[] = [];
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.kind === 'block') {
      const b = s.block;
      out.push({
        segmentBase: b.segmentBase,
        start: b.start,
        end: b.end,
        firstOffset: b.firstOffset,
        lastOffset: b.lastOffset,
        minTimestamp: b.minTimestamp >= 0 ? b.minTimestamp : -Infinity,
        maxTimestamp: b.maxTimestamp >= 0 ? b.maxTimestamp : Infinity,
        block: b,
      });
      continue;
    }
    const next = spans[i + 1];
    const nextOffset = next ? (next.kind === 'block' ? next.block.firstOffset : next.firstOffset) : log.logEndOffset;
    let piece = { position: s.start, offset: s.firstOffset };
    const cuts = s.end - s.start > PIECE_BYTES ? cutPoints(log, s.segmentBase, s.start, s.end) : [];
    for (const c of [...cuts, { position: s.end, offset: nextOffset }]) {
      if (c.position <= piece.position) continue;
      out.push({ segmentBase: s.segmentBase, start: piece.position, end: c.position, firstOffset: piece.offset, lastOffset: c.offset - 1, minTimestamp: -Infinity, maxTimestamp: Infinity, block: null });
      piece = c;
    }
  }
  return out;
}
