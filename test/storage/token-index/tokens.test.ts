// The index and the searches cut text into tokens the same way; these are the cuts users rely on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachToken, MAX_TOKEN_BYTES, tokenHashes, tokensOf } from '../../../src/storage/token-index/tokens.js';

function hashesOf(text: string): number[] {
  const out: number[] = [];
  const b = Buffer.from(text);
  forEachToken(b, 0, b.length, (h) => out.push(h));
  return out;
}

describe('tokens', () => {
  it('splits on punctuation and blanks, keeps letters, digits and _ together, folds ASCII case', () => {
    expect(tokensOf('2026-12-02T10:00:00Z ERROR [db_pool] Conn #42 to 10.0.0.5:5432 failed: timeout')).toEqual([
      '2026', '12', '02t10', '00', '00z', 'error', 'db_pool', 'conn', '42', 'to', '10', '0', '0', '5', '5432', 'failed', 'timeout',
    ]);
    expect(tokensOf('{"level":"warn","user":{"id":42}}')).toEqual(['level', 'warn', 'user', 'id', '42']);
    expect(tokensOf('')).toEqual([]);
    expect(tokensOf(' \t\n-.')).toEqual([]);
  });

  it('keeps non-ASCII words whole and does not fold their case (non-ASCII punctuation is a token of its own)', () => {
    expect(tokensOf('Ошибка: файл не найден — Größe')).toEqual(['Ошибка', 'файл', 'не', 'найден', '—', 'größe']);
    expect(tokenHashes('ОШИБКА')).not.toEqual(tokenHashes('ошибка'));
  });

  it('hashes the same token the same wherever it appears and whatever its ASCII case', () => {
    const [a] = tokenHashes('Timeout');
    expect(hashesOf('x TIMEOUT y timeout')).toEqual([...tokenHashes('x'), a, ...tokenHashes('y'), a]);
    expect(new Set(tokenHashes('alpha beta gamma delta')).size).toBe(4);
  });

  it('hashes a long token on its first MAX_TOKEN_BYTES bytes', () => {
    const long = 'a'.repeat(MAX_TOKEN_BYTES);
    expect(tokenHashes(`${long}b`)).toEqual(tokenHashes(`${long}c`));
    expect(tokenHashes(`${'a'.repeat(MAX_TOKEN_BYTES - 1)}b`)).not.toEqual(tokenHashes(`${'a'.repeat(MAX_TOKEN_BYTES - 1)}c`));
  });

  it('reads only the given range', () => {
    const b = Buffer.from('skip these words');
    const out: number[] = [];
    forEachToken(b, 5, 10, (h) => out.push(h));
    expect(out).toEqual(tokenHashes('these'));
  });

  it('hashes arbitrary bytes exactly as the definition says (a plain reference: split, fold, cut, FNV-1a)', () => {
    const isTokenByte = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b >= 0x80;
    const reference = (bytes: Uint8Array): number[] => {
      const out: number[] = [];
      let run: number[] = [];
      const flush = () => {
        if (run.length === 0) return;
        let h = 0x811c9dc5;
        for (const b of run.slice(0, MAX_TOKEN_BYTES)) h = Math.imul(h ^ (b >= 0x41 && b <= 0x5a ? b + 0x20 : b), 0x01000193);
        out.push(h >>> 0);
        run = [];
      };
      for (const b of bytes) if (isTokenByte(b)) run.push(b);
      else flush();
      flush();
      return out;
    };
    // Bytes drawn mostly from token bytes, with long runs, so tokens of every length around MAX_TOKEN_BYTES occur.
    const byte = fc.oneof(fc.constantFrom(0x20, 0x2c, 0x3d, 0x7b, 0x00, 0xff), fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x41, 0x61, 0x5f, 0x39));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 300 }), fc.nat(300), (arr, cut) => {
        const bytes = Uint8Array.from(arr);
        const end = Math.min(bytes.length, cut);
        const got: number[] = [];
        forEachToken(bytes, 0, end, (h) => got.push(h));
        expect(got).toEqual(reference(bytes.subarray(0, end)));
      }),
      { numRuns: 500 },
    );
  });
});
