// The agent parses every line of the files it follows, which other programs (and their users) write: multiline
// joining with the user's own patterns, timestamp and level detection, JSON lines and line splitting must cost time
// linear in the line, or bounded. Each case grows a hostile line 10×.
import { describe, it } from 'vitest';
import { parseJsonLine } from '../../../src/collect/tail/json-line.js';
import { detectLevel } from '../../../src/common/level/detect-level.js';
import { LineSplitter } from '../../../src/collect/tail/line-splitter.js';
import { MultilineJoiner } from '../../../src/collect/tail/multiline.js';
import { DEFAULT_CONTINUE_PATTERN } from '../../../src/collect/tail/options.js';
import { parseTimestamp } from '../../../src/collect/tail/timestamp.js';
import { attempt, expectLinear } from '../../helpers/scaling.js';

function joinLines(startPattern: RegExp | null) {
  return (lines: string[]) => {
    const j = new MultilineJoiner({ startPattern, continuePattern: startPattern ? null : DEFAULT_CONTINUE_PATTERN, flushAfterMs: 1000 }, 1 << 30, () => {});
    for (const l of lines) j.push(l, l.length, 0);
    j.flush();
  };
}

describe('the agent line parsers scale linearly', () => {
  it("multiline: a user pattern that backtracks is tested on a bounded prefix, so a long line costs no more than a short one", () => {
    // /\d+x/ unanchored is quadratic on a line of digits: every start position scans to the end.
    expectLinear({ name: 'start pattern /\\d+x/ on digits', n: 5_000, make: (n) => ['first', '7'.repeat(n)], run: joinLines(/\d+x/) });
    expectLinear({ name: 'start pattern /\s+$/ on blanks', n: 5_000, make: (n) => ['first', `${' '.repeat(n)}x`], run: joinLines(/\s+$/) });
    expectLinear({ name: 'default patterns on blanks', n: 5_000, make: (n) => ['Traceback (most recent call last):', ' '.repeat(n), 'x'.repeat(n)], run: joinLines(null) });
  }, 120_000);

  it('multiline: many lines joined into one record', () => {
    expectLinear({ name: 'continuation lines', n: 500, make: (n) => ['Exception', ...Array.from({ length: n }, () => '\tat x.y(Z.java:1)')], run: joinLines(null) });
  }, 120_000);

  it('timestamp, level and JSON detection', () => {
    expectLinear({ name: 'timestamp on digits', n: 10_000, make: (n) => '2'.repeat(n), run: (l) => parseTimestamp(l, 0) });
    expectLinear({ name: 'timestamp on capitals', n: 10_000, make: (n) => 'M'.repeat(n), run: (l) => parseTimestamp(l, 0) });
    expectLinear({ name: 'level on one long word', n: 10_000, make: (n) => 'E'.repeat(n), run: (l) => detectLevel(l) });
    expectLinear({ name: 'level on short words', n: 3_000, make: (n) => 'ab '.repeat(n), run: (l) => detectLevel(l) });
    expectLinear({ name: 'JSON line, deep', n: 5_000, make: (n) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`, run: (l) => attempt(() => parseJsonLine(l, 0)) });
    expectLinear({ name: 'JSON line, long level', n: 10_000, make: (n) => `{"level":"${' '.repeat(n)}warn"}`, run: (l) => attempt(() => parseJsonLine(l, 0)) });
  }, 120_000);

  it('line splitting: a long line in small chunks, many lines in one chunk', () => {
    const split = (chunks: Buffer[]) => {
      const s = new LineSplitter(1 << 20);
      let off = 0;
      for (const c of chunks) {
        s.push(c, c.length, off, () => {});
        off += c.length;
      }
      s.flush(() => {});
    };
    const chunked = (b: Buffer, size: number) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));
    expectLinear({ name: 'long line in 64-byte chunks', n: 100_000, make: (n) => chunked(Buffer.from(`${'x'.repeat(n)}\n`), 64), run: split });
    expectLinear({ name: 'many lines', n: 10_000, make: (n) => [Buffer.from('a\r\n'.repeat(n))], run: split });
  }, 120_000);
});
