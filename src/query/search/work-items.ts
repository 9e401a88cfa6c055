import type { PartitionLog, TokenBlock } from '../../storage/index.js';
import type { TokenRequirement } from '../language/index.js';

/**
 * Stretches are read in pieces of about this size, cut at batch starts (from the segment's offset index): a scan holds
 * one piece at a time, and the first page of newest records reads the end of each partition, not a whole block.
 */
export const PIECE_BYTES = 256 * 1024;

/** One stretch of a segment a scan may read: a piece of an indexed block (`block` set), or of an unindexed range. */
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

/** Batch start positions in (start, end) of a segment about `PIECE_BYTES` apart, from its sparse offset index. */
function cutPoints(log: PartitionLog, segmentBase: number, start: number, end: number): { position: number; offset: number }[] {
  const seg = log.segments.find((s) => s.baseOffset === segmentBase);
  const cuts: { position: number; offset: number }[] = [];
  if (!seg) return cuts;
  const idx = seg.offsetIndex;
  // Entries are in position order: find the first after `start`, then walk only this stretch's entries.
  let lo = 0;
  let hi = idx.entries;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idx.entry(mid).position <= start) lo = mid + 1;
    else hi = mid;
  }
  let last = start;
  for (let i = lo; i < idx.entries; i++) {
    const e = idx.entry(i);
    if (e.position >= end) break;
    if (e.position - last >= PIECE_BYTES && end - e.position >= PIECE_BYTES / 4) {
      cuts.push(e);
      last = e.position;
    }
  }
  return cuts;
}

/** The stretch [start, end) cut into pieces at batch starts; `lastOffset` of each piece ends where the next begins. */
function pieces(log: PartitionLog, base: Omit<WorkItem, 'start' | 'end' | 'firstOffset' | 'lastOffset'>, start: number, end: number, firstOffset: number, nextOffset: number, out: WorkItem[]): void {
  let piece = { position: start, offset: firstOffset };
  const cuts = end - start > PIECE_BYTES ? cutPoints(log, base.segmentBase, start, end) : [];
  for (const c of [...cuts, { position: end, offset: nextOffset }]) {
    if (c.position <= piece.position || c.offset <= piece.offset) continue;
    out.push({ ...base, start: piece.position, end: c.position, firstOffset: piece.offset, lastOffset: c.offset - 1 });
    piece = c;
  }
}

/**
 * Every stretch of the partition, oldest first, from its search spans, cut into pieces. Offsets of unindexed pieces
 * end where the next span begins (the log end for the last one). With `fromOffset`, blocks that end before it are
 * left out (log.searchSpans).
 */
export function workItems(log: PartitionLog, fromOffset = -Infinity): WorkItem[] {
  const spans = log.searchSpans(fromOffset);
  const out: WorkItem[] = [];
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.kind === 'block') {
      const b = s.block;
      const meta = { segmentBase: b.segmentBase, minTimestamp: b.minTimestamp >= 0 ? b.minTimestamp : -Infinity, maxTimestamp: b.maxTimestamp >= 0 ? b.maxTimestamp : Infinity, block: b };
      pieces(log, meta, b.start, b.end, b.firstOffset, b.lastOffset + 1, out);
      continue;
    }
    const next = spans[i + 1];
    const nextOffset = next ? (next.kind === 'block' ? next.block.firstOffset : next.firstOffset) : log.logEndOffset;
    pieces(log, { segmentBase: s.segmentBase, minTimestamp: -Infinity, maxTimestamp: Infinity, block: null }, s.start, s.end, s.firstOffset, nextOffset, out);
  }
  return out;
}
