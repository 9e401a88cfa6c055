// The filter's one promise (no false negatives) for any set of tokens, and a false-positive rate near the design
// (16 bits per token, 6 probes: about 0.1 %), measured on words that were not added.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bloomAdd, bloomHas, bloomHasAll, filterBytesFor, MAX_PROBES, MIN_FILTER_BYTES, probesFor } from '../../../src/storage/token-index/bloom-filter.js';
import { tokenHashes } from '../../../src/storage/token-index/tokens.js';
import { fuzzParams } from '../../helpers/fuzz.js';

function filterOf(hashes: number[], budget = Infinity): { bits: Uint8Array; probes: number } {
  const distinct = new Set(hashes).size;
  const bits = new Uint8Array(filterBytesFor(distinct, budget));
  const probes = probesFor(bits.length, distinct);
  for (const h of hashes) bloomAdd(bits, probes, h);
  return { bits, probes };
}

describe('bloom filter', () => {
  it('never denies a token it holds, whatever the tokens and however small the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 300 }), fc.integer({ min: 0, max: 4096 }), (texts, budget) => {
        const hashes = texts.flatMap((t) => tokenHashes(t));
        const { bits, probes } = filterOf(hashes, budget);
        for (const h of hashes) expect(bloomHas(bits, probes, h)).toBe(true);
        expect(bloomHasAll(bits, probes, hashes)).toBe(true);
      }),
      fuzzParams(import.meta.url, 300),
    );
  });

  it('holds any 32-bit hash, 0 and 2^32-1 included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 2000 }), (hashes) => {
        const { bits, probes } = filterOf([...hashes, 0, 0xffffffff]);
        for (const h of [...hashes, 0, 0xffffffff]) expect(bloomHas(bits, probes, h)).toBe(true);
      }),
      fuzzParams(import.meta.url, 200),
    );
  });

  it('has a false-positive rate near the design: 0.05–0.5 % at 16 bits per token, 6 probes', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `word${i}x`);
    const { bits, probes } = filterOf(words.flatMap((w) => tokenHashes(w)));
    expect(probes).toBe(MAX_PROBES);
    expect(bits.length).toBe(20_000 * 2);
    let hits = 0;
    const trials = 200_000;
    for (let i = 0; i < trials; i++) if (bloomHas(bits, probes, tokenHashes(`other${i}y`)[0]!)) hits++;
    const rate = hits / trials;
    // Theory: (1 − e^(−6/16))^6 = 0.094 %.
    expect(rate).toBeGreaterThan(0.0003);
    expect(rate).toBeLessThan(0.005);
  });

  it('stays correct under the size cap, with fewer probes and more false positives', () => {
    const words = Array.from({ length: 10_000 }, (_, i) => `id${i}`);
    const hashes = words.flatMap((w) => tokenHashes(w));
    const capped = filterOf(hashes, 5_000); // 4 bits per token
    expect(capped.bits.length).toBe(5_000);
    expect(capped.probes).toBeLessThan(MAX_PROBES);
    for (const h of hashes) expect(bloomHas(capped.bits, capped.probes, h)).toBe(true);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (bloomHas(capped.bits, capped.probes, tokenHashes(`nope${i}`)[0]!)) hits++;
    expect(hits / 20_000).toBeLessThan(0.3); // ~15 % at 4 bits per token with 3 probes
    expect(filterBytesFor(0, 1_000)).toBe(MIN_FILTER_BYTES);
  });

  it('admits everything for no hashes, and nothing when no token was added', () => {
    const { bits, probes } = filterOf([]);
    expect(bloomHasAll(bits, probes, [])).toBe(true);
    expect(bloomHasAll(bits, probes, tokenHashes('anything'))).toBe(false);
  });
});
