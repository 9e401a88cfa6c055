import { BrowseError, type Direction } from './types.js';

/**
 * Where the next page of a browse starts: the direction and, per partition, the stream position (forward: next
 * offset to read; backward: the offset below which the next record lies). Offsets, not counts or times, so pages are
 * stable while producers append: forward pages go on where the last one stopped, backward pages never see newer records.
 * Opaque to clients: base64url of a small JSON document, checked on the way back in.
 */
export interface BrowseCursor {
  topic: string;
  direction: Direction;
  positions: Map<number, number>;
}

const MAX_CURSOR_CHARS = 64 * 1024;

export function encodeCursor(c: BrowseCursor): string {
  const doc = { v: 1, t: c.topic, d: c.direction === 'forward' ? 'f' : 'b', p: [...c.positions].sort((a, b) => a[0] - b[0]) };
  return Buffer.from(JSON.stringify(doc)).toString('base64url');
}

const isOffset = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

export function decodeCursor(text: string): BrowseCursor {
  const bad = (why: string) => new BrowseError(`invalid cursor (${why}); pass back the cursor of the previous page unchanged, or start again without one`, 'invalid');
  if (text.length > MAX_CURSOR_CHARS) throw bad('too long');
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor this server wrote');
  }
  const d = doc as { v?: unknown; t?: unknown; d?: unknown; p?: unknown };
  if (typeof d !== 'object' || d === null || d.v !== 1 || typeof d.t !== 'string' || (d.d !== 'f' && d.d !== 'b') || !Array.isArray(d.p)) throw bad('not a cursor this server wrote');
  const positions = new Map<number, number>();
  for (const entry of d.p as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !isOffset(entry[0]) || !isOffset(entry[1])) throw bad('malformed position');
    positions.set(entry[0], entry[1]);
  }
  if (positions.size === 0) throw bad('no partitions');
  return { topic: d.t, direction: d.d === 'f' ? 'forward' : 'backward', positions };
}
