// Line protocol arrives from outside (HTTP /write, /api/v2/write, /ingest/metrics): parsing one line must be linear in
// its length whatever it holds. Each case grows a hostile line 10×.
import { describe, it } from 'vitest';
import { parseLine } from '../../src/collect/line-protocol/index.js';
import { attempt, expectLinear } from '../helpers/scaling.js';

const parse = (line: string) => attempt(() => parseLine(line));

describe('line-protocol parser scales linearly', () => {
  it('long numbers: integers, unsigned, floats, timestamps (decimal → BigInt is super-linear)', () => {
    expectLinear({ name: 'integer digits', n: 10_000, make: (n) => `m v=${'7'.repeat(n)}i`, run: parse });
    expectLinear({ name: 'unsigned digits', n: 10_000, make: (n) => `m v=${'7'.repeat(n)}u`, run: parse });
    expectLinear({ name: 'leading zeros', n: 10_000, make: (n) => `m v=${'0'.repeat(n)}7i`, run: parse });
    expectLinear({ name: 'timestamp digits', n: 10_000, make: (n) => `m v=1 ${'7'.repeat(n)}`, run: parse });
    expectLinear({ name: 'float digits', n: 5_000, make: (n) => `m v=${'1'.repeat(n)}.${'1'.repeat(n)}e`, run: parse });
    expectLinear({ name: 'float then junk', n: 10_000, make: (n) => `m v=${'1'.repeat(n)}x`, run: parse });
  }, 120_000);

  it('escapes, long strings, many tags and fields, long runs of spaces', () => {
    expectLinear({ name: 'escaped measurement', n: 3_000, make: (n) => `${'a\\,'.repeat(n)} v=1`, run: parse });
    expectLinear({ name: 'escaped tag value', n: 2_500, make: (n) => `m,t=${'\\ \\='.repeat(n)} v=1`, run: parse });
    expectLinear({ name: 'escaped string field', n: 2_500, make: (n) => `m v="${'\\"\\\\'.repeat(n)}"`, run: parse });
    expectLinear({ name: 'unclosed string field', n: 5_000, make: (n) => `m v="${'\\"'.repeat(n)}`, run: parse });
    expectLinear({ name: 'tags', n: 100, make: (n) => `m,${Array.from({ length: n }, (_, i) => `t${i}=v`).join(',')} v=1`, run: parse });
    expectLinear({ name: 'fields', n: 100, make: (n) => `m ${Array.from({ length: n }, (_, i) => `f${i}=1i`).join(',')}`, run: parse });
    expectLinear({ name: 'spaces', n: 3_000, make: (n) => `${' '.repeat(n)}m v=1${' '.repeat(n)}1${' '.repeat(n)}x`, run: parse });
  }, 120_000);
});
