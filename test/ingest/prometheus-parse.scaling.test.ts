// Prometheus text is outside input (HTTP ingest bodies, scraped targets): parsing it must be linear in its size, so
// one hostile body cannot hold the event loop that also serves Kafka clients. Each case grows a hostile input 10×.
import { describe, it } from 'vitest';
import { parseExposition } from '../../src/collect/prometheus/parse.js';
import { attempt, expectLinear } from '../helpers/scaling.js';

const parse = (text: string) => attempt(() => parseExposition(text));

describe('Prometheus text parser scales linearly', () => {
  it('a long value that is not a number (a backtracking float regex is quadratic here)', () => {
    expectLinear({ name: 'digits then junk', n: 5_000, make: (n) => `m ${'1'.repeat(n)}x\n`, run: parse });
    expectLinear({ name: 'digits.digits then junk', n: 4_000, make: (n) => `m ${'1'.repeat(n)}.${'1'.repeat(n)}e\n`, run: parse });
  }, 120_000);

  it('a long valid value, a long timestamp and a long exemplar', () => {
    expectLinear({ name: 'digits', n: 10_000, make: (n) => `m ${'1'.repeat(n)}\n`, run: parse });
    expectLinear({ name: 'fraction digits', n: 10_000, make: (n) => `m 0.${'1'.repeat(n)}\n`, run: parse });
    expectLinear({ name: 'timestamp digits', n: 10_000, make: (n) => `m 1 ${'1'.repeat(n)}\n`, run: parse });
    expectLinear({ name: 'exemplar', n: 10_000, make: (n) => `m 1 # {a="${'x'.repeat(n)}"} 1\n`, run: parse });
  }, 120_000);

  it('many labels, long label values with escapes, long names, long runs of blanks', () => {
    const labels = (n: number) => Array.from({ length: n }, (_, i) => `l${i}="v"`).join(',');
    // 100 → 1,000 labels (a prototype-free object, stored as a dictionary from the start): at a few thousand keys the
    // cost per key steps up about ×4 and then stays flat, a constant step that a 10× step across would misread.
    expectLinear({ name: 'labels', n: 100, make: (n) => `m{${labels(n)}} 1\n`, run: parse });
    expectLinear({ name: 'escaped label value', n: 1_500, make: (n) => `m{a="${'\\"\\n\\\\'.repeat(n)}"} 1\n`, run: parse });
    expectLinear({ name: 'unclosed label value', n: 4_000, make: (n) => `m{a="${'\\"'.repeat(n)}\n`, run: parse });
    expectLinear({ name: 'metric name', n: 10_000, make: (n) => `${'m'.repeat(n)} 1\n`, run: parse });
    expectLinear({ name: 'blanks', n: 5_000, make: (n) => `m${' '.repeat(n)}1${' '.repeat(n)}\n`, run: parse });
  }, 120_000);

  it('comments and TYPE lines with long words and long runs of blanks', () => {
    expectLinear({ name: 'TYPE with blanks', n: 5_000, make: (n) => `# TYPE m${' '.repeat(n)}counter${' '.repeat(n)}x\n`, run: parse });
    expectLinear({ name: 'TYPE with long words', n: 3_000, make: (n) => `#${'\t'.repeat(n)}TYPE ${'m'.repeat(n)} ${'c'.repeat(n)}\n`, run: parse });
    expectLinear({ name: 'many lines', n: 300, make: (n) => '# TYPE m gauge\nm{a="b"} 1.5 1000\n'.repeat(n), run: parse });
  }, 120_000);
});
