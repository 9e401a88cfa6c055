import { SearchError, type SearchOrder } from './types.js';

/**
 * Where the next page of a search resumes: the query, the resolved time range, and per partition the offsets still to
 * search, [lo, hi). The first page pins `hi` at each partition's log end (newest first: records appended later are not
 * part of this search, so pages never shift; oldest first: the pages stop where the log ended at the first page).
 * Opaque to clients: base64url of a small JSON document, checked on the way back in.
 */
export interface SearchCursor {
  query: string;
  order: SearchOrder;
  from: number;
  to: number;
  positions: { topic: string; partition: number; lo: number; hi: number }[];
}

const MAX_CURSOR_CHARS = 256 * 1024;

const isOffset = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isTime = (n: unknown): n is number => n === null || Number.isSafeInteger(n);

export function encodeSearchCursor(c: SearchCursor): string {
  const t = (n: number) => (Number.isFinite(n) ? n : null);
  const doc = { v: 1, q: c.query, o: c.order === 'newest' ? 'n' : 'o', f: t(c.from), t: t(c.to), p: c.positions.map((p) => [p.topic, p.partition, p.lo, p.hi]) };
  return Buffer.from(JSON.stringify(doc)).toString('base64url');
}

export function decodeSearchCursor(text: string): SearchCursor {
  const bad = (why: string) => new SearchError(`invalid cursor (${why}); pass back the cursor of the previous page unchanged, or search again without one`, 'invalid');
  if (text.length > MAX_CURSOR_CHARS) throw bad('too long');
  let doc: { v?: unknown; q?: unknown; o?: unknown; f?: unknown; t?: unknown; p?: unknown };
  try {
    doc = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor this server wrote');
  }
  if (typeof doc !== 'object' || doc === null || doc.v !== 1 || typeof doc.q !== 'string' || (doc.o !== 'n' && doc.o !== 'o') || !isTime(doc.f) || !isTime(doc.t) || !Array.isArray(doc.p)) {
    throw bad('not a cursor this server wrote');
  }
  const positions: SearchCursor['positions'] = [];
  for (const e of doc.p as unknown[]) {
    if (!Array.isArray(e) || e.length !== 4 || typeof e[0] !== 'string' || !isOffset(e[1]) || !isOffset(e[2]) || !isOffset(e[3])) throw bad('malformed position');
    positions.push({ topic: e[0], partition: e[1], lo: e[2], hi: e[3] });
  }
  return {
    query: doc.q,
    order: doc.o === 'n' ? 'newest' : 'oldest',
    from: doc.f === null ? -Infinity : (doc.f as number),
    to: doc.t === null ? Infinity : (doc.t as number),
    positions,
  };
}
