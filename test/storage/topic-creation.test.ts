import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { StorageError } from '../../src/storage/index.js';
import { appendBatch, concat, makeBatch, openManager, tempDir } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function errnoError(code: string, syscall: string, p: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { EMFILE: 'too many open files', ENOSPC: 'no space left on device', EACCES: 'permission denied' };
  return Object.assign(new Error(`${code}: ${messages[code]}, ${syscall} '${p}'`), { code, syscall, path: p });
}

/** The seam: mkdirSync fails with `code` for the `nth` partition directory of `topic`. */
function failMkdir(topic: string, nth: number, code: string) {
  const real = fs.mkdirSync;
  let seen = 0;
  return vi.spyOn(fs, 'mkdirSync').mockImplementation(((p: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
    if (path.basename(String(p)).startsWith(`${topic}-`) && ++seen === nth) throw errnoError(code, 'mkdir', String(p));
    return real(p, options);
  }) as typeof fs.mkdirSync);
}

function thrown(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    return err as StorageError;
  }
  throw new Error('expected an error');
}

const dirsOf = (dataDir: string, topic: string) => fs.readdirSync(dataDir).filter((f) => f.startsWith(`${topic}-`));

describe('topic creation', () => {
  it('is all or nothing when a partition directory cannot be made (EMFILE, ENOSPC, EACCES)', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    for (const code of ['EMFILE', 'ENOSPC', 'EACCES']) {
      failMkdir('big', 6, code);
      const err = thrown(() => m.createTopic('big', 10));
      vi.restoreAllMocks();
      expect(err.code).toBe('KAFKA_STORAGE_ERROR');
      expect(err.message).toContain(`could not create partition dir ${path.join(dataDir, 'big-5')}: ${code}`);
      expect(err.message).toContain('; nothing was created');
      expect(dirsOf(dataDir, 'big')).toEqual([]);
      expect(m.getTopic('big')).toBeUndefined();
    }
    await m.close();
    const again = await openManager(dataDir);
    expect(again.getTopic('big')).toBeUndefined();
    expect(dirsOf(dataDir, 'big')).toEqual([]);
    // Nothing stands in the way of creating it now.
    expect(again.createTopic('big', 10).partitions).toBe(10);
    expect(dirsOf(dataDir, 'big').length).toBe(10);
  });

  it('adds partitions all or nothing, keeping the existing ones and their data', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('grow', 2);
    appendBatch(m.partition('grow', 1)!, makeBatch(3));
    failMkdir('grow', 3, 'EMFILE');
    const err = thrown(() => m.createPartitions('grow', 6));
    vi.restoreAllMocks();
    expect(err.message).toMatch(/could not create partition dir .*grow-4: EMFILE: too many open files.*; nothing was created/);
    expect(m.getTopic('grow')!.partitions).toBe(2);
    expect(m.partition('grow', 2)).toBeUndefined();
    expect(dirsOf(dataDir, 'grow').sort()).toEqual(['grow-0', 'grow-1']);
    await m.close();
    const again = await openManager(dataDir);
    expect(again.getTopic('grow')!.partitions).toBe(2);
    expect(again.partition('grow', 1)!.logEndOffset).toBe(3);
    expect(again.createPartitions('grow', 6).partitions).toBe(6);
  });

  it('removes the new directories when the metadata cannot be saved', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    const realRename = fs.renameSync;
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (String(to).endsWith('topics.json')) throw errnoError('ENOSPC', 'rename', String(from));
      realRename(from, to);
    });
    const err = thrown(() => m.createTopic('meta', 4));
    vi.restoreAllMocks();
    expect(err.code).toBe('KAFKA_STORAGE_ERROR');
    expect(err.message).toMatch(/could not save metadata for topic meta: ENOSPC.*; nothing was created \(the disk is full/);
    expect(dirsOf(dataDir, 'meta')).toEqual([]);
    expect(m.getTopic('meta')).toBeUndefined();
    await m.close();
    expect((await openManager(dataDir)).getTopic('meta')).toBeUndefined();
  });

  it('writes nothing but partition.metadata into a new partition until its first append', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    const id = m.createTopic('lazy', 2).id;
    expect(fs.readdirSync(path.join(dataDir, 'lazy-0'))).toEqual(['partition.metadata']);
    // Kafka's format: the topic id proves whose directory this is.
    expect(fs.readFileSync(path.join(dataDir, 'lazy-0', 'partition.metadata'), 'utf8')).toBe(`version: 0\ntopic_id: ${id.toString('base64url')}\n`);
    expect(m.openSegmentFiles).toBe(0);
    expect((await m.partition('lazy', 0)!.read(0, 100)).chunks).toEqual([]);
    appendBatch(m.partition('lazy', 1)!, makeBatch(2));
    expect(fs.readdirSync(path.join(dataDir, 'lazy-1')).sort()).toEqual(['00000000000000000000.log', 'partition.metadata']);
    await m.close();
    // An untouched partition stays empty across a clean shutdown; one with data has its indexes.
    expect(fs.readdirSync(path.join(dataDir, 'lazy-0'))).toEqual(['partition.metadata']);
    expect(fs.readdirSync(path.join(dataDir, 'lazy-1')).sort()).toEqual([
      '00000000000000000000.index',
      '00000000000000000000.log',
      '00000000000000000000.timeindex',
      '00000000000000000002.snapshot',
      'partition.metadata',
    ]);
    const logger = { lines: [] as string[], debug: () => {}, info: () => {}, warn: (l: string) => logger.lines.push(l), error: (l: string) => logger.lines.push(l) };
    const again = await openManager(dataDir, { logger });
    expect(logger.lines).toEqual([]);
    expect(again.partition('lazy', 0)!.logEndOffset).toBe(0);
    expect(appendBatch(again.partition('lazy', 0)!, makeBatch(1)).baseOffset).toBe(0);
    const r = await again.partition('lazy', 1)!.read(0, 1 << 20);
    expect(decodeBatches(concat(r.chunks))[0]!.records.length).toBe(2);
  });

  it('fsyncs the partition directory when a new segment file is first flushed', async () => {
    const m = await openManager(tempDir());
    m.createTopic('d', 1, { 'segment.bytes': String(2 * makeBatch(1).length) });
    const log = m.partition('d', 0)!;
    const opened = vi.spyOn(fsp, 'open');
    const dirSyncs = () => opened.mock.calls.filter(([p]) => p === log.dir).length;
    appendBatch(log, makeBatch(1));
    await log.flush();
    expect(dirSyncs()).toBe(1); // the first segment file was just created
    appendBatch(log, makeBatch(1));
    await log.flush();
    expect(dirSyncs()).toBe(1); // same file: its entry is durable already
    appendBatch(log, makeBatch(1)); // rolls
    await log.flush();
    expect(dirSyncs()).toBe(2);
  });
});
