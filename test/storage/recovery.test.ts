import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { readBatchHeader } from '../../src/protocol/record-batch.js';
import { LogManager } from '../../src/storage/index.js';
import { appendBatch, captureLogger, concat, makeBatch, openManager, removeCleanMarker, segmentFiles, tempDir } from './helpers.js';

const BATCH = makeBatch(3).length;

/** A closed data dir with topic orders (1 partition) holding `batches` batches of 3 records. */
async function prepare(batches: number, overrides: Record<string, string> = {}) {
  const dataDir = tempDir();
  const m = await openManager(dataDir);
  m.createTopic('orders', 1, { 'index.interval.bytes': '0', ...overrides });
  for (let i = 0; i < batches; i++) appendBatch(m.partition('orders', 0)!, makeBatch(3, { prefix: `b${i}-` }));
  await m.close();
  const dir = path.join(dataDir, 'orders-0');
  return { dataDir, dir, lastLog: path.join(dir, segmentFiles(dir).at(-1)!) };
}

async function reopen(dataDir: string) {
  const logger = captureLogger();
  const m = await openManager(dataDir, { logger });
  return { m, log: m.partition('orders', 0)!, lines: logger.lines };
}

/** Every index entry must point at a batch with exactly that base offset. */
function assertIndexConsistent(dir: string) {
  for (const f of segmentFiles(dir, '.index')) {
    const idx = fs.readFileSync(path.join(dir, f));
    const log = fs.readFileSync(path.join(dir, f.replace('.index', '.log')));
    const base = Number(f.slice(0, 20));
    for (let i = 0; i < idx.length; i += 8) {
      expect(readBatchHeader(log, idx.readInt32BE(i + 4)).baseOffset).toBe(base + idx.readInt32BE(i));
    }
  }
}

async function offsetsIn(log: NonNullable<ReturnType<LogManager['partition']>>) {
  const r = await log.read(log.logStartOffset, 1 << 24);
  return decodeBatches(concat(r.chunks)).flatMap((b) => b.records.map((x) => x.offset));
}

describe('recovery after an unclean shutdown', () => {
  it('truncates garbage appended after the last batch', async () => {
    const { dataDir, lastLog } = await prepare(4);
    fs.appendFileSync(lastLog, Buffer.from('this is not a record batch at all'));
    removeCleanMarker(dataDir);
    const { log, lines } = await reopen(dataDir);
    expect(log.logEndOffset).toBe(12);
    expect(fs.statSync(lastLog).size).toBe(4 * BATCH);
    expect(lines).toContain('warn recovered orders-0: truncated 33 bytes at offset 12 (incomplete batch (1852797996 bytes declared, 33 present))');
  });

  it('truncates a torn (half-written) last batch', async () => {
    const { dataDir, lastLog } = await prepare(4);
    fs.appendFileSync(lastLog, makeBatch(3).subarray(0, 100));
    removeCleanMarker(dataDir);
    const { log, lines } = await reopen(dataDir);
    expect(log.logEndOffset).toBe(12);
    expect(lines.some((l) => l.startsWith('warn recovered orders-0: truncated 100 bytes at offset 12 (incomplete batch'))).toBe(true);
  });

  it('truncates a batch whose CRC no longer matches, and everything after it', async () => {
    const { dataDir, lastLog } = await prepare(5);
    const fd = fs.openSync(lastLog, 'r+');
    const pos = 3 * BATCH + 200; // inside the 4th batch (offsets 9..11)
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, pos);
    b[0] ^= 0xff;
    fs.writeSync(fd, b, 0, 1, pos);
    fs.closeSync(fd);
    removeCleanMarker(dataDir);
    const { log, lines } = await reopen(dataDir);
    expect(lines).toContain(`warn recovered orders-0: truncated ${2 * BATCH} bytes at offset 9 (CRC mismatch)`);
    expect(log.logEndOffset).toBe(9);
    expect(await offsetsIn(log)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // Appends continue at the truncation point.
    expect(appendBatch(log, makeBatch(2)).baseOffset).toBe(9);
    expect(log.logEndOffset).toBe(11);
  });

  it('rebuilds the indexes and keeps lookups correct', async () => {
    const { dataDir, dir, lastLog } = await prepare(6);
    fs.rmSync(lastLog.replace('.log', '.index'));
    fs.rmSync(lastLog.replace('.log', '.timeindex'));
    fs.appendFileSync(lastLog, Buffer.alloc(500)); // zeros, as a power cut can leave
    removeCleanMarker(dataDir);
    const { log } = await reopen(dataDir);
    expect(fs.statSync(lastLog.replace('.log', '.index')).size).toBe(6 * 8); // interval 0: every batch
    assertIndexConsistent(dir);
    for (const off of [0, 4, 10, 17]) {
      const r = await log.read(off, 1);
      expect(decodeBatches(concat(r.chunks))[0]!.header.baseOffset).toBe(off - (off % 3));
    }
  });

  it('drops later segments when an earlier one is corrupt', async () => {
    const { dataDir, dir } = await prepare(9, { 'segment.bytes': String(3 * BATCH) });
    expect(segmentFiles(dir).length).toBe(3);
    const second = path.join(dir, segmentFiles(dir)[1]!);
    fs.truncateSync(second, BATCH + 10); // second segment: one whole batch and a torn one
    fs.rmSync(path.join(dataDir, 'recovery-point-offset-checkpoint')); // recover everything
    removeCleanMarker(dataDir);
    const { log, lines } = await reopen(dataDir);
    expect(log.logEndOffset).toBe(12);
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.log', '00000000000000000009.log']);
    expect(lines.some((l) => l.includes(`truncated ${10 + 3 * BATCH} bytes at offset 12`) && l.includes('1 later segment'))).toBe(true);
    expect(appendBatch(log, makeBatch(1)).baseOffset).toBe(12);
  });

  it('recovers a log that was never closed (indexes never persisted)', async () => {
    const dataDir = tempDir();
    const crashed = await LogManager.open({ dataDir, logger: captureLogger(), retentionCheckIntervalMs: 3_600_000 });
    crashed.createTopic('orders', 2, { 'index.interval.bytes': '0', 'flush.ms': '-1' });
    for (let i = 0; i < 7; i++) appendBatch(crashed.partition('orders', 1)!, makeBatch(3));
    // No close(): the process "dies" here. Nothing was fsynced or indexed on disk yet.
    const dir = path.join(dataDir, 'orders-1');
    expect(fs.existsSync(path.join(dir, '00000000000000000000.index'))).toBe(false);
    const { m, lines } = await reopen(dataDir);
    const log = m.partition('orders', 1)!;
    expect(lines.some((l) => l.includes('not shut down cleanly'))).toBe(true);
    expect(lines.some((l) => l.includes('recovered orders-1'))).toBe(false); // nothing to truncate
    expect(log.logEndOffset).toBe(21);
    assertIndexConsistent(dir);
    expect(fs.statSync(path.join(dir, '00000000000000000000.index')).size).toBe(7 * 8);
    // The recovered data was fsynced and checkpointed.
    expect(fs.readFileSync(path.join(dataDir, 'recovery-point-offset-checkpoint'), 'utf8')).toContain('orders 1 21');
  });

  it('writes and consumes the clean-shutdown marker', async () => {
    const { dataDir } = await prepare(1);
    expect(fs.existsSync(path.join(dataDir, '.clean-shutdown'))).toBe(true);
    const { m, lines } = await reopen(dataDir);
    expect(fs.existsSync(path.join(dataDir, '.clean-shutdown'))).toBe(false);
    expect(lines.some((l) => l.includes('not shut down cleanly'))).toBe(false);
    await m.close();
    expect(fs.existsSync(path.join(dataDir, '.clean-shutdown'))).toBe(true);
  });

  it('on a clean start, rebuilds an index that does not match its log', async () => {
    const { dataDir, dir, lastLog } = await prepare(4);
    const index = lastLog.replace('.log', '.index');
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(2, 0); // offset 2 is not a batch start
    bad.writeInt32BE(BATCH, 4);
    fs.writeFileSync(index, bad);
    const { log, lines } = await reopen(dataDir);
    expect(lines.some((l) => l.includes('index of segment 0 is missing or inconsistent'))).toBe(true);
    assertIndexConsistent(dir);
    expect(log.logEndOffset).toBe(12);
  });
});
