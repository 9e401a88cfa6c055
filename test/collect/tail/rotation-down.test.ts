// Rotations while the tailer is stopped: a restarted tailer finds the rest of the checkpointed file in its rotated
// name (by inode) or in a copy (by content, gzip too), reads the rotated files nobody saw, oldest first, and only then
// the file now at the path.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourcedRecord } from '../../../src/collect/record.js';
import { rotate } from '../../helpers/rotate-log.js';
import { sleep } from '../../helpers/wait-until.js';
import { startTailer, tempDir, waitForValues } from './helpers.js';

const line = (i: number) => `${String(i).padStart(9, '0')} ${'z'.repeat(30)}\n`;
function writeLines(file: string, from: number, to: number): void {
  let text = '';
  for (let i = from; i <= to; i++) text += line(i);
  fs.appendFileSync(file, text);
}
const seqOf = (r: SourcedRecord) => Number(String(r.value).slice(0, 9));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function firstRun(file: string, checkpointFile: string, lines: number): Promise<void> {
  const a = await startTailer({ globs: [file], checkpointFile });
  await waitForValues(a, lines);
  await a.lastCommit();
  await a.tailer.stop();
}

describe('rotations while the tailer is stopped', () => {
  it('rename, copytruncate with gzip, rename, copytruncate: every line once, in order, before the current file', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'cp.json');
    writeLines(file, 1, 1000);
    await firstRun(file, checkpointFile, 1000);

    writeLines(file, 1001, 2000); // unread rest of the checkpointed file
    rotate(file, 'rename');
    writeLines(file, 2001, 3000);
    rotate(file, 'copytruncate', { compress: true });
    writeLines(file, 3001, 4000);
    rotate(file, 'rename');
    writeLines(file, 4001, 5000);
    rotate(file, 'copytruncate');
    writeLines(file, 5001, 6000);
    expect(fs.readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2', 'app.log.3.gz', 'app.log.4', 'cp.json']);

    const log: string[] = [];
    const keep = (m: string) => log.push(m);
    const b = await startTailer({ globs: [file], checkpointFile, log: { debug: keep, info: keep, warn: keep, error: keep } });
    await waitForValues(b, 5000, '5000 records', 15_000);
    await sleep(300);
    expect(b.records.map(seqOf), log.join('\n')).toEqual(range(1001, 6000));
    // The rotated files carry the log's own path: one key, one partition, order kept.
    expect(new Set(b.records.map((r) => r.key))).toEqual(new Set([file]));
    expect(log.join('\n')).toMatch(/reading the rest of .*app\.log from byte 41000 from .*app\.log\.4/);
    expect(log.join('\n')).toMatch(/app\.log\.3\.gz \(gzip\)/);
    expect(b.tailer.stats().recovering).toBe(0);
    await b.lastCommit();
    await b.tailer.stop();

    // A third start reads nothing again, even though every rotated file is still there.
    writeLines(file, 6001, 6100);
    const c = await startTailer({ globs: [file], checkpointFile });
    await waitForValues(c, 100);
    await sleep(300);
    expect(c.records.map(seqOf)).toEqual(range(6001, 6100));
  });

  it('continues a checkpointed file that was renamed and then compressed, from its offset', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'cp.json');
    writeLines(file, 1, 3000);
    await firstRun(file, checkpointFile, 3000);
    writeLines(file, 3001, 3500);
    rotate(file, 'rename', { compress: true });
    writeLines(file, 3501, 3600);
    const b = await startTailer({ globs: [file], checkpointFile });
    await waitForValues(b, 600);
    await sleep(300);
    expect(b.records.map(seqOf)).toEqual(range(3001, 3600));
  });

  it('a restart while a recovered file is being read resumes it where its commits reached', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'cp.json');
    writeLines(file, 1, 100);
    await firstRun(file, checkpointFile, 100);
    writeLines(file, 101, 100_000);
    rotate(file, 'copytruncate', { compress: true });
    writeLines(file, 100_001, 100_100);
    // Reads part of the gzip copy, commits it, stops.
    const b = await startTailer({ globs: [file], checkpointFile, maxBatchRecords: 1000, readChunkBytes: 16 * 1024 });
    await waitForValues(b, 5000);
    b.tailer.pause();
    await b.lastCommit();
    await b.tailer.stop();
    const committed = Math.max(...b.records.map(seqOf));
    const c = await startTailer({ globs: [file], checkpointFile });
    await waitForValues(c, 100_100 - committed, 'the rest', 15_000);
    await sleep(300);
    expect(c.records.map(seqOf)).toEqual(range(committed + 1, 100_100));
  });

  it('does not read old rotated files the checkpoint never knew, when nothing was rotated while stopped', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'cp.json');
    writeLines(path.join(dir, 'app.log.1'), 1, 100); // older than anything the tailer saw
    writeLines(file, 101, 200);
    await firstRun(file, checkpointFile, 100);
    writeLines(file, 201, 300);
    const b = await startTailer({ globs: [file], checkpointFile });
    await waitForValues(b, 100);
    await sleep(300);
    expect(b.records.map(seqOf)).toEqual(range(201, 300));
  });
});

describe('copytruncate while running, the copy outside the globs', () => {
  it('reads what was not read yet from the copy (gzip too) before the truncated file goes on', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    writeLines(file, 1, 1000);
    const log: string[] = [];
    const keep = (m: string) => log.push(m);
    const c = await startTailer({ globs: [file], checkpointFile: path.join(dir, 'cp.json'), log: { debug: keep, info: keep, warn: keep, error: keep } });
    await waitForValues(c, 1000);
    c.tailer.pause(); // the tailer falls behind
    writeLines(file, 1001, 2000);
    rotate(file, 'copytruncate', { compress: true });
    writeLines(file, 2001, 2100);
    c.tailer.resume();
    await waitForValues(c, 2100, '2100 records', 15_000);
    await sleep(300);
    expect(c.records.map(seqOf), log.join('\n')).toEqual(range(1, 2100));
    expect(log.join('\n')).toMatch(/reading the rest of .*app\.log from byte 41000 from .*app\.log\.1\.gz \(gzip\), copied by copytruncate/);
  });
});
