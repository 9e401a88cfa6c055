// Property-based fuzzing of the agent's line parsing (fast-check; seed and replay: test/helpers/fuzz.ts): a file's
// bytes give the same records however the reads cut them (line splitting, truncation of long lines, multiline joining),
// and timestamp, level and JSON detection never throw on any line.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonFields, parseJsonLine } from '../../../src/collect/tail/json-line.js';
import { detectLevel } from '../../../src/common/level/detect-level.js';
import { LineSplitter, type LineHandler } from '../../../src/collect/tail/line-splitter.js';
import { MultilineJoiner } from '../../../src/collect/tail/multiline.js';
import { DEFAULT_CONTINUE_PATTERN } from '../../../src/collect/tail/options.js';
import { parseTimestamp } from '../../../src/collect/tail/timestamp.js';
import { truncateBytes } from '../../../src/collect/tail/truncate.js';
import { cutPoints, fuzzParams, splitAt } from '../../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);
const NOW = Date.UTC(2024, 5, 15, 12, 0, 0);

/** Lines a log holds, stack traces and tracebacks included, and arbitrary ones. */
const logLine = fc.oneof(
  fc.constantFrom(
    '2024-05-01 12:00:00,123 ERROR boom',
    'Exception in thread "main" java.lang.IllegalStateException: x',
    '\tat com.example.App.run(App.java:42)',
    'Caused by: java.io.IOException: gone',
    '\t... 2 more',
    'Traceback (most recent call last):',
    '  File "app.py", line 1, in <module>',
    'ValueError: boom',
    'During handling of the above exception, another exception occurred:',
    '',
    '   ',
    'é€😀 multibyte',
  ),
  fc.string({ maxLength: 40, unit: fc.oneof(fc.constantFrom(' ', '\t', '\r', 'é', '😀'), fc.string({ minLength: 1, maxLength: 1 })) }).map((s) => s.replace(/\n/g, ' ')),
);

/** What the tailer does with a file's bytes (src/collect/tail/tracked-file.ts onLine): split, cut, join. */
function records(chunks: Buffer[], maxRecordBytes: number, startPattern: RegExp | null): [string, number][] {
  const out: [string, number][] = [];
  const joiner = new MultilineJoiner({ startPattern, continuePattern: startPattern ? null : DEFAULT_CONTINUE_PATTERN, flushAfterMs: 1000 }, maxRecordBytes, (t, end) => out.push([t, end]));
  const onLine: LineHandler = (buf, start, end, total, endOffset) => {
    const text = total > maxRecordBytes ? truncateBytes(buf, start, end, total, maxRecordBytes) : buf.toString('utf8', start, end);
    joiner.push(text, total, endOffset);
  };
  const splitter = new LineSplitter(maxRecordBytes);
  let offset = 0;
  for (const c of chunks) {
    splitter.push(c, c.length, offset, onLine);
    offset += c.length;
  }
  splitter.flush(onLine);
  joiner.flush();
  return out;
}

describe('agent line parsing fuzzing', () => {
  it('a file gives the same records however its reads are cut (splitting, truncation, multiline joining)', () => {
    const file = fc.tuple(fc.array(logLine, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), fc.boolean()).map(([lines, eol, last]) => Buffer.from(lines.join(eol) + (last ? eol : '')));
    const input = fc
      .tuple(file, fc.integer({ min: 256, max: 300 }), fc.constantFrom(null, /^\d{4}-/, /^[A-Z]/))
      .chain(([data, max, start]) => fc.tuple(fc.constant(data), fc.constant(max), fc.constant(start), cutPoints(data.length)));
    fc.assert(
      fc.property(input, ([data, max, start, cuts]) => {
        const whole = records([data], max, start);
        expect(records(splitAt(data, cuts), max, start)).toEqual(whole);
        for (const [text] of whole) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(max);
        if (whole.length > 0) expect(whole[whole.length - 1]![1]).toBe(data.length); // every byte accounted for
      }),
      params(1500),
    );
  }, 60_000);

  it('long lines are cut to maxRecordBytes with a marker, the same at any chunking and line ending, never splitting a character', () => {
    const input = fc
      .tuple(fc.string({ minLength: 200, maxLength: 900, unit: fc.constantFrom('a', 'é', '€', '😀', ' ') }), fc.integer({ min: 256, max: 400 }), fc.constantFrom('\n', '\r\n'))
      .chain(([line, max, eol]) => {
        const data = Buffer.from(`${line}${eol}${line}${eol}`);
        return fc.tuple(fc.constant(data), fc.constant(max), cutPoints(data.length));
      });
    fc.assert(
      fc.property(input, ([data, max, cuts]) => {
        const whole = records([data], max, /^$/); // every line its own record
        expect(records(splitAt(data, cuts), max, /^$/)).toEqual(whole);
        for (const [text] of whole) {
          expect(Buffer.byteLength(text)).toBeLessThanOrEqual(max);
          expect(text).not.toContain('\uFFFD');
        }
      }),
      params(500),
    );
  }, 60_000);

  it('timestamp, level and JSON detection never throw on any line', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 120, unit: 'binary' }),
      fc.string({ maxLength: 80, unit: fc.constantFrom('2024', '-', '05', ':', 'T', ' ', 'Z', '+', '/', 'May', '[', ']', 'ERROR', 'level=', 'E0501', '{', '"', '<', '>') }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.object({ maxDepth: 3 }).map((o) => JSON.stringify({ ...o, level: 'warn', ts: 1700000000 })),
    );
    fc.assert(
      fc.property(line, (l) => {
        const t = parseTimestamp(l, NOW);
        if (t !== undefined) expect(Number.isFinite(t)).toBe(true);
        const level = detectLevel(l);
        if (level !== undefined) expect(['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']).toContain(level);
        const j = parseJsonLine(l, NOW);
        if (j?.timestamp !== undefined) expect(Number.isFinite(j.timestamp)).toBe(true);
      }),
      params(3000),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('level', 'severity', 'ts', 'time', '@timestamp', 'log', 'lvl', 't', 'x'), fc.jsonValue({ maxDepth: 2 })), (o) => {
        const f = jsonFields(o as Record<string, unknown>, NOW);
        if (f.timestamp !== undefined) expect(Number.isFinite(f.timestamp)).toBe(true);
      }),
      params(2000),
    );
  }, 60_000);
});
