// The one definition of a "token" shared by the index that is written (storage) and the searches that read it
// (query): both sides must cut text the same way or the index would skip blocks that match.
//
// A token is a maximal run of ASCII letters, digits and `_`, or of bytes ≥ 0x80 (so a UTF-8 word in any script stays
// one token; only ASCII is case-folded). Everything else separates tokens. Tokens longer than MAX_TOKEN_BYTES are
// hashed on their first MAX_TOKEN_BYTES bytes, on both sides. The hash is 32-bit FNV-1a over the case-folded bytes.

/** Longer tokens are hashed on this many leading bytes (a long hex blob adds one entry, not a long one). */
export const MAX_TOKEN_BYTES = 64;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 1 for bytes that belong to tokens. */
const CLASS = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const digit = b >= 0x30 && b <= 0x39;
  const letter = (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a);
  if (digit || letter || b === 0x5f || b >= 0x80) CLASS[b] = 1;
}
/** Case-folded byte. */
const FOLD = new Uint8Array(256);
for (let b = 0; b < 256; b++) FOLD[b] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;

export function isTokenByte(b: number): boolean {
  return CLASS[b] === 1;
}

/** The case-folded byte for bytes that belong to tokens, 0 for separators (no token byte folds to 0). */
const TOKEN_BYTE = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (CLASS[b] === 1) TOKEN_BYTE[b] = FOLD[b]!;

/**
 * Calls `emit` with the hash of every token in buf[start, end), in order, repeats included. Linear in the bytes, no
 * allocation. One table lookup per byte (class and fold together) and no length test while hashing: this loop is most
 * of what indexing a block costs.
 */
export function forEachToken(buf: Uint8Array, start: number, end: number, emit: (hash: number) => void): void {
  let i = start;
  while (i < end) {
    let c = TOKEN_BYTE[buf[i]!]!;
    while (c === 0) {
      if (++i >= end) return;
      c = TOKEN_BYTE[buf[i]!]!;
    }
    let h = FNV_OFFSET;
    const stop = Math.min(end, i + MAX_TOKEN_BYTES);
    do {
      h = Math.imul(h ^ c, FNV_PRIME);
      if (++i >= stop) break;
      c = TOKEN_BYTE[buf[i]!]!;
    } while (c !== 0);
    if (i === stop) while (i < end && TOKEN_BYTE[buf[i]!] !== 0) i++; // the rest of a long token is not hashed
    emit(h >>> 0);
  }
}

/** The distinct token hashes of a piece of query text, in order of first appearance. */
export function tokenHashes(text: string): number[] {
  const seen = new Set<number>();
  const buf = Buffer.from(text, 'utf8');
  forEachToken(buf, 0, buf.length, (h) => seen.add(h));
  return [...seen];
}

/** The tokens of a piece of text as strings (case-folded, cut to MAX_TOKEN_BYTES), for query planning and tests. */
export function tokensOf(text: string): string[] {
  const out: string[] = [];
  const buf = Buffer.from(text, 'utf8');
  let i = 0;
  while (i < buf.length) {
    while (i < buf.length && CLASS[buf[i]!] !== 1) i++;
    const s = i;
    while (i < buf.length && CLASS[buf[i]!] === 1) i++;
    if (i > s) out.push(Buffer.from(buf.subarray(s, Math.min(i, s + MAX_TOKEN_BYTES)).map((b) => FOLD[b]!)).toString('utf8'));
  }
  return out;
}
