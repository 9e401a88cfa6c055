import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '../../helpers/wait-until.js';
import { startTailer, tempDir, waitForValues } from './helpers.js';

const JAVA = [
  '2024-05-01 12:00:00,123 ERROR [main] request failed',
  'java.lang.IllegalStateException: outer',
  '\tat com.example.App.run(App.java:42)',
  '\tat com.example.App.main(App.java:10)',
  'Caused by: java.io.IOException: disk gone',
  '\tat com.example.Disk.read(Disk.java:7)',
  '\t... 2 more',
];
const PYTHON = [
  'Traceback (most recent call last):',
  '  File "app.py", line 10, in <module>',
  '    main()',
  'ValueError: boom',
];

describe('multiline records from files', () => {
  it('joins a Java stack trace and a Python traceback, each into one record, and flushes the last one when the file goes quiet', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const c = await startTailer({ globs: [file], checkpointFile: path.join(dir, 'cp.json'), multiline: { flushAfterMs: 150 }, parse: { level: true } });
    fs.writeFileSync(file, `${JAVA.join('\n')}\nplain line\n${PYTHON.join('\n')}\n`);
    await waitForValues(c, 3);
    expect(c.values()).toEqual([JAVA[0], JAVA.slice(1).join('\n'), 'plain line']);
    // The traceback is still pending: nothing says it is over until the file stays quiet for flushAfterMs.
    await waitForValues(c, 4, 'the traceback flushed after flushAfterMs', 3000);
    expect(c.values()[3]).toBe(PYTHON.join('\n'));
    // Its offset is the end of its last line: committed, it is not read again.
    expect(c.records[3]!.position.offset).toBe(fs.statSync(file).size);
    expect(c.records[0]!.headers.level).toBe('ERROR');
  });

  it('with a startPattern, keeps a log line and its stack trace together', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, `${JAVA.join('\n')}\n2024-05-01 12:00:01,000 INFO next\n`);
    const c = await startTailer({ globs: [file], checkpointFile: path.join(dir, 'cp.json'), multiline: { startPattern: /^\d{4}-\d\d-\d\d /, flushAfterMs: 100 } });
    await waitForValues(c, 2);
    await sleep(200);
    expect(c.values()).toEqual([JAVA.join('\n'), '2024-05-01 12:00:01,000 INFO next']);
  });

  it('does not flush a record whose continuation is still to be read (the file is not at its end)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const c = await startTailer({ globs: [file], checkpointFile: path.join(dir, 'cp.json'), multiline: { flushAfterMs: 50 }, readChunkBytes: 4096 });
    // A trace longer than one read chunk must still come out whole.
    const frames = Array.from({ length: 400 }, (_, i) => `\tat com.example.Deep.f${i}(Deep.java:${i})`);
    fs.writeFileSync(file, `java.lang.StackOverflowError\n${frames.join('\n')}\nafter\n`);
    await waitForValues(c, 2, 'the trace and the line after it', 3000);
    expect(c.values()).toEqual([`java.lang.StackOverflowError\n${frames.join('\n')}`, 'after']);
  });
});
