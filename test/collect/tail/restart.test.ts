import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileTailer, lastPositions } from '../../../src/collect/tail/index.js';
import type { SourcedRecord } from '../../../src/collect/record.js';
import { spawnLines } from '../../helpers/line-process.js';
import { sleep } from '../../helpers/wait-until.js';
import { startTailer, tempDir, waitForValues, waitUntil } from './helpers.js';

const VITE_NODE = fileURLToPath(new URL('../../../node_modules/vite-node/vite-node.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/tail-child.ts', import.meta.url));

const line = (i: number) => `${String(i).padStart(9, '0')} ${'y'.repeat(60)}\n`;
function writeLines(file: string, from: number, to: number): void {
  const parts: string[] = [];
  for (let i = from; i <= to; i++) parts.push(line(i));
  fs.appendFileSync(file, parts.join(''));
}
const seqOf = (r: SourcedRecord) => Number(String(r.value).slice(0, 9));

describe('restart', () => {
  it('after stop() mid-stream, continues right after the last committed record: repeats only what was not committed', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'cp.json');
    writeLines(file, 1, 200_000);
    // A sink that acknowledges each batch only when the next one arrives: at any moment one batch is uncommitted.
    const a = new FileTailer({ globs: [file], startAt: 'beginning', checkpointFile, maxBatchRecords: 2000 });
    const got: SourcedRecord[] = [];
    let uncommitted: SourcedRecord[] = [];
    a.on('batch', (batch) => {
      if (uncommitted.length > 0) void a.commit(lastPositions(uncommitted));
      uncommitted = batch;
      got.push(...batch);
      if (got.length >= 50_000) a.pause();
    });
    await a.start();
    await waitUntil('50k records', () => got.length >= 50_000, { timeoutMs: 10_000, intervalMs: 5 });
    await a.stop();
    const lastCommitted = seqOf(uncommitted[0]!) - 1;

    const b = await startTailer({ globs: [file], checkpointFile, startAt: 'end' });
    writeLines(file, 200_001, 210_000);
    await waitForValues(b, 210_000 - lastCommitted, 'the rest', 20_000);
    await sleep(200);
    expect(seqOf(b.records[0]!)).toBe(lastCommitted + 1);
    expect(b.records.map(seqOf)).toEqual(Array.from({ length: 210_000 - lastCommitted }, (_, i) => lastCommitted + 1 + i));
    // Exactly the batch handed out but not committed is read twice.
    const twice = got.map(seqOf).filter((s) => s > lastCommitted);
    expect(twice).toEqual(uncommitted.map(seqOf));
  });

  it('after a crash (SIGKILL) mid-stream, has no gaps and repeats only records not durably committed', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'cp.json');
    const progressFile = path.join(dir, 'progress.txt');
    const TOTAL = 300_000;
    writeLines(file, 1, TOTAL);
    const child = spawnLines(process.execPath, [VITE_NODE, CHILD, JSON.stringify({ glob: file, checkpointFile, progressFile })]);
    const progress = () => (fs.existsSync(progressFile) ? fs.readFileSync(progressFile, 'utf8').trim().split('\n') : []);
    const lastOf = (kind: string) => Number(progress().filter((l) => l.startsWith(kind)).at(-1)?.split(' ').at(-1) ?? 0);
    await waitUntil('the child tailer to be mid-stream', () => lastOf('C') >= 60_000, { timeoutMs: 30_000, intervalMs: 5, details: child.describe });
    await child.stop('SIGKILL');
    const handedOut = progress().filter((l) => l.startsWith('B')).map((l) => l.split(' ').map(Number) as [number, number, number]);
    const lastCommitted = lastOf('C');
    const lastHandedOut = handedOut.at(-1)![2];
    expect(lastHandedOut).toBeLessThan(TOTAL); // really mid-stream
    // What the crashed tailer handed out is gap-free.
    handedOut.forEach(([, first], i) => expect(first).toBe(i === 0 ? 1 : handedOut[i - 1]![2] + 1));

    const b = await startTailer({ globs: [file], checkpointFile });
    const first = () => seqOf(b.records[0]!);
    await waitUntil('the restarted tailer to reach the end', () => b.records.length > 0 && b.records.length >= TOTAL - first() + 1, { timeoutMs: 20_000, intervalMs: 10 });
    await sleep(200);
    // It starts after the last durable commit (a commit may have become durable just before the kill, unreported)
    // and no later than the first record never handed out: no gap, and repeats only uncommitted records.
    expect(first()).toBeGreaterThan(lastCommitted);
    expect(first()).toBeLessThanOrEqual(lastHandedOut + 1);
    expect(b.records.map(seqOf)).toEqual(Array.from({ length: TOTAL - first() + 1 }, (_, i) => first() + i));
  });

  it('reads a file whose inode was reused from the start, not from the stale offset', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'cp.json');
    writeLines(file, 1, 1000);
    const a = await startTailer({ globs: [file], checkpointFile });
    await waitForValues(a, 1000);
    await a.lastCommit();
    await a.tailer.stop();
    const oldIno = fs.statSync(file).ino;

    // Delete the file and create new ones until one gets the old inode (ext4 and tmpfs reuse a freed inode at once).
    fs.unlinkSync(file);
    let reused = false;
    const spares: string[] = [];
    for (let i = 0; i < 200 && !reused; i++) {
      const candidate = path.join(dir, `new-${i}.tmp`);
      fs.writeFileSync(candidate, '');
      if (fs.statSync(candidate).ino === oldIno) {
        fs.renameSync(candidate, file);
        reused = true;
      } else spares.push(candidate);
    }
    for (const s of spares) fs.unlinkSync(s);
    if (!reused) {
      // This file system does not reuse inodes promptly: rewrite the file in place instead (same inode, new content).
      fs.writeFileSync(file, '');
    }
    expect(fs.statSync(file).ino).toBe(oldIno);
    writeLines(file, 5001, 7000); // longer than the old offset, so a stale offset would land mid-file

    const b = await startTailer({ globs: [file], checkpointFile, startAt: 'end' });
    await waitForValues(b, 2000);
    await sleep(200);
    expect(b.records.map(seqOf)).toEqual(Array.from({ length: 2000 }, (_, i) => 5001 + i));
  });

  it('resumes a file rotated (renamed) while stopped under its new name, and reads the new file from the start', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'cp.json');
    writeLines(file, 1, 1000);
    const a = await startTailer({ globs: [path.join(dir, 'app.log*')], checkpointFile });
    await waitForValues(a, 1000);
    await a.lastCommit();
    await a.tailer.stop();
    writeLines(file, 1001, 1500);
    fs.renameSync(file, `${file}.1`);
    writeLines(file, 1501, 2000);
    const b = await startTailer({ globs: [path.join(dir, 'app.log*')], checkpointFile, startAt: 'end' });
    await waitForValues(b, 1000);
    await sleep(200);
    expect(b.records.map(seqOf).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => 1001 + i));
  });
});
