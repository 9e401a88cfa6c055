import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTailer } from '../../../src/collect/tail/index.js';
import { sleep } from '../../helpers/wait-until.js';
import { startTailer, tempDir, waitForValues, waitUntil } from './helpers.js';

describe('FileTailer', () => {
  it('reads complete lines, waits for a partial line to end, and labels records', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'one\r\ntwo\nthr');
    const c = await startTailer({ globs: [path.join(dir, '*.log')], checkpointFile: path.join(dir, 'cp.json'), host: 'h1', agentName: 'a1' });
    await waitForValues(c, 2);
    await sleep(200);
    expect(c.values()).toEqual(['one', 'two']);
    fs.appendFileSync(file, 'ee\nfour\n');
    await waitForValues(c, 4);
    expect(c.values()).toEqual(['one', 'two', 'three', 'four']);
    const r = c.records[2]!;
    expect(r.key).toBe(file);
    expect(r.headers).toEqual({ host: 'h1', agent: 'a1', path: file });
    expect(r.position.offset).toBe('one\r\ntwo\nthree\n'.length);
    expect(r.position.fileId).toMatch(/^\d+:\d+:[0-9a-f]{12}$/);
    expect(Math.abs(r.timestamp - Date.now())).toBeLessThan(5000); // no timestamp in the line: read time
  });

  it("startAt 'end' skips what a file held at start (from its last complete line), 'beginning' reads it; files appearing later are read whole", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'old.log'), 'old 1\nold 2\npartial');
    const end = await startTailer({ globs: [path.join(dir, '*.log')], checkpointFile: path.join(dir, 'end.json'), startAt: 'end' });
    fs.appendFileSync(path.join(dir, 'old.log'), ' line\nold 3\n');
    fs.writeFileSync(path.join(dir, 'new.log'), 'new 1\nnew 2\n');
    await waitForValues(end, 4);
    expect(end.values().sort()).toEqual(['new 1', 'new 2', 'old 3', 'partial line']);

    const beginning = await startTailer({ globs: [path.join(dir, 'old.log')], checkpointFile: path.join(dir, 'beginning.json'), startAt: 'beginning' });
    await waitForValues(beginning, 4);
    expect(beginning.values()).toEqual(['old 1', 'old 2', 'partial line', 'old 3']);
  });

  it('finds files in a directory that is created after the tailer started', async () => {
    const dir = tempDir();
    const c = await startTailer({ globs: [path.join(dir, 'later/logs/**/*.log')], checkpointFile: path.join(dir, 'cp.json'), startAt: 'end', rescanIntervalMs: 60_000 });
    await sleep(100);
    fs.mkdirSync(path.join(dir, 'later/logs/svc'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'later/logs/svc/a.log'), 'hello\n');
    fs.writeFileSync(path.join(dir, 'later/logs/b.txt'), 'not matched\n');
    await waitForValues(c, 1, 'the file in the new directory', 5000);
    fs.appendFileSync(path.join(dir, 'later/logs/svc/a.log'), 'again\n');
    await waitForValues(c, 2);
    expect(c.values()).toEqual(['hello', 'again']);
  });

  it('finishes a deleted file through its open fd (its last partial line too), then drops it; a file re-created at that path is read from the start', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'a1\n');
    const c = await startTailer({ globs: [file], checkpointFile: path.join(dir, 'cp.json'), rotateWaitMs: 200 });
    await waitForValues(c, 1);
    const fd = fs.openSync(file, 'a');
    fs.unlinkSync(file);
    fs.writeSync(fd, 'a2 written after the delete\na3 without newline');
    fs.closeSync(fd);
    await waitForValues(c, 3, 'the deleted file read to its end');
    expect(c.values()).toEqual(['a1', 'a2 written after the delete', 'a3 without newline']);
    await waitUntil('the deleted file to be dropped', () => c.tailer.stats().files === 0, { timeoutMs: 5000, intervalMs: 20 });
    fs.writeFileSync(file, 'b1\nb2\n');
    await waitForValues(c, 5);
    expect(c.values().slice(3)).toEqual(['b1', 'b2']);
  });

  it('does not read a copy of a followed file twice, but reads a rotated log successor that merely starts with the same banner', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const banner = `# ${'=== service banner, identical in every file '.repeat(8)}\n`; // > 256 bytes
    fs.writeFileSync(file, `${banner}l1\nl2\n`);
    const c = await startTailer({ globs: [path.join(dir, 'app.log*')], checkpointFile: path.join(dir, 'cp.json') });
    await waitForValues(c, 3);
    fs.copyFileSync(file, `${file}.bak`); // a backup copy inside the globs
    fs.appendFileSync(file, 'l3\n');
    await waitForValues(c, 4);
    await sleep(300);
    expect(c.values().slice(1)).toEqual(['l1', 'l2', 'l3']);
    expect(c.tailer.stats().parked).toBe(1);

    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, banner);
    await sleep(300);
    fs.appendFileSync(file, 'n1\nn2\n');
    await waitForValues(c, 7, 'the successor, banner included');
    await sleep(300);
    expect(c.values().slice(4)).toEqual([banner.slice(0, -1), 'n1', 'n2']);
  });

  it('reads a file rotated out of the globs while it is still too short to fingerprint', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const c = await startTailer({ globs: [file], checkpointFile: path.join(dir, 'cp.json'), rotateWaitMs: 100 });
    for (let i = 1; i <= 3; i++) {
      fs.writeFileSync(file, `short ${i}\n`);
      // Once the tailer has it open (still young: shorter than the fingerprint, held back up to 500 ms), move it away.
      const seen = () => {
        const st = c.tailer.stats();
        return st.files + st.parked + st.retired;
      };
      await waitUntil(`the tailer to open file ${i}`, () => seen() === i, { timeoutMs: 2000, intervalMs: 1 });
      expect(c.tailer.stats().parked).toBeGreaterThan(0);
      fs.renameSync(file, path.join(dir, `app.log.${i}`));
    }
    await waitForValues(c, 3, 'every short-lived file', 5000);
    expect(c.values().sort()).toEqual(['short 1', 'short 2', 'short 3']);
  });

  it('skips excluded files (compressed by default)', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'app.log.1.gz'), 'binary\n');
    fs.writeFileSync(path.join(dir, 'app.log'), 'text\n');
    const c = await startTailer({ globs: [path.join(dir, 'app.log*')], checkpointFile: path.join(dir, 'cp.json') });
    await waitForValues(c, 1);
    await sleep(200);
    expect(c.values()).toEqual(['text']);
  });

  it('pause() stops reading until resume(); watching goes on', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'x1\n');
    const c = await startTailer({ globs: [path.join(dir, '*.log')], checkpointFile: path.join(dir, 'cp.json') });
    await waitForValues(c, 1);
    c.tailer.pause();
    fs.appendFileSync(file, 'x2\n');
    fs.writeFileSync(path.join(dir, 'other.log'), 'y1\n');
    await sleep(400);
    expect(c.values()).toEqual(['x1']);
    const { files, parked } = c.tailer.stats();
    expect(files + parked).toBe(2); // the new file was found while paused
    c.tailer.resume();
    await waitForValues(c, 3);
    expect(c.values().sort()).toEqual(['x1', 'x2', 'y1']);
  });

  it('parses JSON lines, levels and timestamps when asked', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(
      file,
      [
        '{"time":"2024-05-01T12:00:00Z","level":"warning","msg":"json"}',
        '2024-05-01T12:00:01.500Z ERROR plain',
        '127.0.0.1 - - [01/May/2024:12:00:02 +0000] "GET / HTTP/1.1" 200 12',
        'no level here',
      ].join('\n') + '\n',
    );
    const c = await startTailer({ globs: [file], checkpointFile: path.join(dir, 'cp.json'), parse: { json: true, level: true } });
    await waitForValues(c, 4);
    expect(c.records.map((r) => [r.headers.level, r.timestamp])).toEqual([
      ['WARN', Date.UTC(2024, 4, 1, 12, 0, 0)],
      ['ERROR', Date.UTC(2024, 4, 1, 12, 0, 1, 500)],
      [undefined, Date.UTC(2024, 4, 1, 12, 0, 2)],
      [undefined, expect.any(Number)],
    ]);
    expect(c.values()[0]).toBe('{"time":"2024-05-01T12:00:00Z","level":"warning","msg":"json"}');
  });

  it('rejects bad options with a message saying what to fix', () => {
    expect(() => new FileTailer({ globs: [], startAt: 'end', checkpointFile: '/tmp/x' })).toThrow(/globs must be a non-empty list/);
    expect(() => new FileTailer({ globs: ['/x/*.log'], startAt: 'middle' as 'end', checkpointFile: '/tmp/x' })).toThrow(/startAt must be/);
    expect(() => new FileTailer({ globs: ['/x/*.log'], startAt: 'end', checkpointFile: '/tmp/x', maxRecordBytes: 10 })).toThrow(/maxRecordBytes/);
    expect(() => new FileTailer({ globs: ['/x/*.log'], startAt: 'end', checkpointFile: '/tmp/x', multiline: { startPattern: /^x/g } })).toThrow(/g or y flag/);
  });
});
