import { describe, expect, it } from 'vitest';
import { MultilineJoiner, PATTERN_CHARS } from '../../../src/collect/tail/multiline.js';
import { DEFAULT_CONTINUE_PATTERN } from '../../../src/collect/tail/options.js';

function join(text: string, opts: { startPattern?: RegExp; continuePattern?: RegExp } = {}, max = 1 << 20): { records: [string, number][] } {
  const records: [string, number][] = [];
  const j = new MultilineJoiner(
    { startPattern: opts.startPattern ?? null, continuePattern: opts.continuePattern ?? (opts.startPattern ? null : DEFAULT_CONTINUE_PATTERN), flushAfterMs: 1000 },
    max,
    (t, end) => records.push([t, end]),
  );
  let offset = 0;
  for (const line of text.split('\n')) {
    offset += Buffer.byteLength(line) + 1;
    j.push(line, Buffer.byteLength(line), offset);
  }
  j.flush();
  return { records };
}

const JAVA = [
  'Exception in thread "main" java.lang.IllegalStateException: outer',
  '\tat com.example.App.run(App.java:42)',
  '\tat com.example.App.main(App.java:10)',
  'Caused by: java.io.IOException: disk gone',
  '\tat com.example.Disk.read(Disk.java:7)',
  '\t... 2 more',
].join('\n');

const PYTHON = [
  'Traceback (most recent call last):',
  '  File "app.py", line 10, in <module>',
  '    main()',
  '  File "app.py", line 6, in main',
  '    raise ValueError("boom")',
  'ValueError: boom',
].join('\n');

const PYTHON_CHAINED = [
  'Traceback (most recent call last):',
  '  File "a.py", line 2, in <module>',
  '    1/0',
  'ZeroDivisionError: division by zero',
  '',
  'During handling of the above exception, another exception occurred:',
  '',
  'Traceback (most recent call last):',
  '  File "a.py", line 4, in <module>',
  '    raise KeyError("k")',
  "KeyError: 'k'",
].join('\n');

describe('MultilineJoiner', () => {
  it('keeps a Java stack trace with Caused by and "... n more" in one record', () => {
    const { records } = join(`before\n${JAVA}\nafter`);
    expect(records.map((r) => r[0])).toEqual(['before', JAVA, 'after']);
    expect(records[1]![1]).toBe(Buffer.byteLength(`before\n${JAVA}\n`));
  });

  it('keeps a Python traceback, its exception line and chained tracebacks in one record', () => {
    expect(join(`start\n${PYTHON}\nnext line`).records.map((r) => r[0])).toEqual(['start', PYTHON, 'next line']);
    expect(join(`${PYTHON_CHAINED}\nnext`).records.map((r) => r[0])).toEqual([PYTHON_CHAINED, 'next']);
  });

  it('drops blank lines after a traceback that no chain follows, and counts them in the offset', () => {
    const { records } = join(`${PYTHON}\n\nnext`);
    expect(records.map((r) => r[0])).toEqual([PYTHON, 'next']);
    expect(records[0]![1]).toBe(Buffer.byteLength(`${PYTHON}\n\n`));
  });

  it('with a startPattern, joins every line that does not start a record', () => {
    const text = '2024-05-01 12:00:00 ERROR failed\njava.lang.RuntimeException: x\n\tat a.b(C.java:1)\n2024-05-01 12:00:01 INFO ok';
    const { records } = join(text, { startPattern: /^\d{4}-\d\d-\d\d / });
    expect(records.map((r) => r[0])).toEqual(['2024-05-01 12:00:00 ERROR failed\njava.lang.RuntimeException: x\n\tat a.b(C.java:1)', '2024-05-01 12:00:01 INFO ok']);
  });

  it('cuts a record that grows past maxBytes, with the marker', () => {
    const lines = ['head', ...Array.from({ length: 100 }, (_, i) => `  frame ${i}`)].join('\n');
    const { records } = join(lines, {}, 200);
    expect(records).toHaveLength(1);
    expect(Buffer.byteLength(records[0]![0])).toBeLessThanOrEqual(200);
    expect(records[0]![0]).toMatch(/^head\n  frame 0\n.*…\[truncated \d+ bytes\]$/s);
  });
});

describe('user patterns see a bounded prefix of each line', () => {
  it('tests startPattern and continuePattern on the first PATTERN_CHARS characters only', () => {
    const far = `${'x'.repeat(PATTERN_CHARS)}START`;
    const near = `${'x'.repeat(PATTERN_CHARS - 5)}START`;
    const { records } = join(['first', far, near, 'tail'].join('\n'), { startPattern: /START/ });
    // `far` has the word only after the prefix, so it joins; `near` has it inside, so it starts a record.
    expect(records.map(([t]) => t.split('\n').length)).toEqual([2, 2]);
  });
});
