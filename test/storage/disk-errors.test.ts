// Write errors (a full disk) in the segmented log, injected at the fs seam: a failed append leaves the segment whole
// and the next append lands right after the last good batch; an index that cannot be written is not an fsync failure
// (the partition keeps taking writes) and is written later or rebuilt at the next start; nothing is logged per
// refused request, only when writes start failing and when they work again. test/integration/disk-full.test.ts does
// the same on a real full file system.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { StorageError } from '../../src/storage/index.js';
import { appendBatch, captureLogger, concat, makeBatch, openManager, removeCleanMarker, tempDir } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const enospc = (syscall: string) => Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { code: 'ENOSPC', syscall });

/** The next positional write of a segment gets half its bytes onto the disk, then the disk is full. */
function tearNextSegmentWrite(): void {
  const real = fs.writeSync;
  vi.spyOn(fs, 'writeSync').mockImplementationOnce(((fd: number, buf: Uint8Array, off: number, len: number, pos: number | null) => {
    (real as (...a: unknown[]) => number)(fd, buf, off, Math.floor(len / 2), pos);
    throw enospc('write');
  }) as unknown as typeof fs.writeSync);
}

/** Index files cannot be written until `restore()`; their writes put a few bytes down first, like a disk filling up. */
function failIndexWrites(): { restore: () => void } {
  const append = fs.appendFileSync;
  const write = fs.writeFileSync;
  const isIndex = (p: unknown) => /\.(index|timeindex)$/.test(String(p));
  const a = vi.spyOn(fs, 'appendFileSync').mockImplementation(((p: fs.PathOrFileDescriptor, data: Buffer, o?: fs.WriteFileOptions) => {
    if (!isIndex(p)) return append(p, data, o);
    append(p, data.subarray(0, 3));
    throw enospc('write');
  }) as typeof fs.appendFileSync);
  const w = vi.spyOn(fs, 'writeFileSync').mockImplementation(((p: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, o?: fs.WriteFileOptions) => {
    if (!isIndex(p)) return write(p, data, o);
    write(p, Buffer.from(data as Uint8Array).subarray(0, 5));
    throw enospc('write');
  }) as typeof fs.writeFileSync);
  return {
    restore: () => {
      a.mockRestore();
      w.mockRestore();
    },
  };
}

async function valuesOf(log: { read(o: number, max: number): Promise<{ chunks: Buffer[] }> }): Promise<string[]> {
  const r = await log.read(0, 1 << 24);
  return decodeBatches(concat(r.chunks)).flatMap((b) => b.records.map((x) => x.value!.toString().replace(/\.+$/, '')));
}

describe('write errors in the log', () => {
  it('cuts a partly written batch back off, so the next append lands right after the last good one', async () => {
    const dataDir = tempDir();
    const logger = captureLogger();
    const m = await openManager(dataDir, { logger });
    m.createTopic('t', 1);
    const log = m.partition('t', 0)!;
    appendBatch(log, makeBatch(2, { prefix: 'a' }));
    const seg = path.join(dataDir, 't-0', '00000000000000000000.log');
    const good = fs.statSync(seg).size;

    tearNextSegmentWrite();
    let err: unknown;
    try {
      appendBatch(log, makeBatch(3, { prefix: 'lost' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('KAFKA_STORAGE_ERROR');
    expect(fs.statSync(seg).size).toBe(good); // the half batch is gone from the file at once
    expect(log.logEndOffset).toBe(2);

    // A second refusal in the same run of failures is not logged again.
    tearNextSegmentWrite();
    expect(() => appendBatch(log, makeBatch(1, { prefix: 'lost' }))).toThrow(StorageError);
    expect(logger.lines.filter((l) => l.startsWith('error '))).toHaveLength(1);
    expect(logger.lines.find((l) => l.startsWith('error '))).toMatch(/appending to t-0 failed: ENOSPC.*disk is full.*KAFKA_STORAGE_ERROR/);

    expect(appendBatch(log, makeBatch(1, { prefix: 'b' })).baseOffset).toBe(2);
    expect(logger.lines.filter((l) => l.startsWith('info ') && l.includes('succeed again'))).toHaveLength(1);
    expect(await valuesOf(log)).toEqual(['a0', 'a1', 'b0']);

    // Even after a crash (no close to tidy up), recovery finds nothing to cut.
    const crashedLines = captureLogger();
    removeCleanMarker(dataDir);
    const again = await openManager(dataDir, { logger: crashedLines });
    expect(crashedLines.lines.filter((l) => /truncat/.test(l))).toEqual([]);
    expect(await valuesOf(again.partition('t', 0)!)).toEqual(['a0', 'a1', 'b0']);
  });

  it('does not take a partition offline when its indexes cannot be written during a flush, and writes them later', async () => {
    const dataDir = tempDir();
    const logger = captureLogger();
    const m = await openManager(dataDir, { logger });
    m.createTopic('t', 1, { 'index.interval.bytes': '0', 'flush.ms': '-1' });
    const log = m.partition('t', 0)!;
    for (let i = 0; i < 3; i++) appendBatch(log, makeBatch(1, { prefix: `a${i}-` }));
    await log.flush();
    const index = path.join(dataDir, 't-0', '00000000000000000000.index');
    expect(fs.statSync(index).size).toBe(3 * 8);

    const full = failIndexWrites();
    for (let i = 0; i < 2; i++) appendBatch(log, makeBatch(1, { prefix: `b${i}-` }));
    await log.flush(); // the log's fsync worked; the index write did not: no failure
    expect(fs.existsSync(index)).toBe(false); // no half-written index left to trust
    expect(log.failed).toBe(false);
    expect(appendBatch(log, makeBatch(1, { prefix: 'c-' })).baseOffset).toBe(5);
    await log.flush();
    expect(logger.lines.filter((l) => l.includes('writing the indexes of t-0 failed'))).toHaveLength(1);

    full.restore();
    await log.flush();
    expect(fs.statSync(index).size).toBe(6 * 8); // written whole once there is room
    await m.close();
    const reopened = captureLogger();
    const again = await openManager(dataDir, { logger: reopened });
    expect(reopened.lines).toEqual([]);
    expect(await valuesOf(again.partition('t', 0)!)).toEqual(['a0-0', 'a1-0', 'a2-0', 'b0-0', 'b1-0', 'c-0']);
  });

  it('removes indexes it cannot write at close, so the next start rebuilds them from the log', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('t', 1, { 'index.interval.bytes': '0' });
    for (let i = 0; i < 4; i++) appendBatch(m.partition('t', 0)!, makeBatch(1, { prefix: `v${i}-` }));
    failIndexWrites();
    await m.close();
    vi.restoreAllMocks();
    expect(fs.readdirSync(path.join(dataDir, 't-0')).filter((f) => f.endsWith('index'))).toEqual([]);
    const logger = captureLogger();
    const again = await openManager(dataDir, { logger });
    expect(logger.lines.some((l) => l.includes('index of segment 0 is missing or inconsistent; rebuilding'))).toBe(true);
    expect(await valuesOf(again.partition('t', 0)!)).toEqual(['v0-0', 'v1-0', 'v2-0', 'v3-0']);
    expect(fs.statSync(path.join(dataDir, 't-0', '00000000000000000000.index')).size).toBe(4 * 8);
  });

  it('rolls to a new segment although the sealed one cannot have its indexes written', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    const batch = makeBatch(1);
    m.createTopic('t', 1, { 'segment.bytes': String(2 * batch.length), 'index.interval.bytes': '0' });
    const log = m.partition('t', 0)!;
    appendBatch(log, makeBatch(1, { prefix: 'a' }));
    appendBatch(log, makeBatch(1, { prefix: 'b' }));
    const full = failIndexWrites();
    expect(appendBatch(log, makeBatch(1, { prefix: 'c' })).baseOffset).toBe(2); // rolls
    expect(log.stats().segments).toBe(2);
    full.restore();
    await log.flush();
    await m.close();
    const again = await openManager(dataDir);
    expect(await valuesOf(again.partition('t', 0)!)).toEqual(['a0', 'b0', 'c0']);
  });
});
