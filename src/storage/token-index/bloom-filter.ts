// A bloom filter over 32-bit token hashes (tokens.ts), one per block of a segment: VictoriaLogs' design of ~16 bits
// per distinct token and 6 probes, which answers "this block cannot contain that word" for about 99.9 % of the words
// it lacks. The probes come from the one 32-bit hash by double hashing (Kirsch & Mitzenmacher): probe i is
// h1 + i·h2 mod m, with h2 a second mix of the same hash, so queries need nothing but tokenHashes().

/** Bits per distinct token when the size cap allows. */
export const BITS_PER_TOKEN = 16;
/** Probes per token at BITS_PER_TOKEN (fewer when the cap leaves fewer bits per token: see probesFor). */
export const MAX_PROBES = 6;
/** The smallest filter; a block without tokens still gets one (all zero: it matches no word). */
export const MIN_FILTER_BYTES = 8;

/** murmur3's finaliser: the second, independent-enough hash for the probe step. Always odd, so probes never repeat early. */
function step(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h | 1) >>> 0;
}

/**
 * Filter bytes for `distinct` tokens: BITS_PER_TOKEN each, but never more than `budget` bytes (the 5 % cap: a block
 * full of unique ids gets fewer bits per token and more false positives, never false negatives).
 */
export function filterBytesFor(distinct: number, budget: number): number {
  const wanted = Math.ceil((distinct * BITS_PER_TOKEN) / 8);
  return Math.max(MIN_FILTER_BYTES, Math.min(wanted, Math.floor(budget)));
}

/** Probes for `distinct` tokens in `bytes` bytes: the optimum (bits per token · ln 2), at most MAX_PROBES, at least 1. */
export function probesFor(bytes: number, distinct: number): number {
  if (distinct === 0) return MAX_PROBES;
  const optimal = Math.round(((bytes * 8) / distinct) * Math.LN2);
  return Math.max(1, Math.min(MAX_PROBES, optimal));
}

export function bloomAdd(bits: Uint8Array, probes: number, hash: number): void {
  const m = bits.length * 8;
  let x = hash >>> 0;
  const d = step(hash);
  for (let i = 0; i < probes; i++) {
    const bit = x % m;
    bits[bit >>> 3]! |= 1 << (bit & 7);
    x = (x + d) >>> 0;
  }
}

export function bloomHas(bits: Uint8Array, probes: number, hash: number): boolean {
  const m = bits.length * 8;
  let x = hash >>> 0;
  const d = step(hash);
  for (let i = 0; i < probes; i++) {
    const bit = x % m;
    if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    x = (x + d) >>> 0;
  }
  return true;
}

/** True unless some hash is certainly absent. No hashes: true (nothing to rule the block out with). */
export function bloomHasAll(bits: Uint8Array, probes: number, hashes: readonly number[]): boolean {
  for (const h of hashes) if (!bloomHas(bits, probes, h)) return false;
  return true;
}
