import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { appendBatch, concat, makeBatch, openManager, segmentFiles, tempDir } from './helpers.js';

const T = 1_700_000_000_000;
const DAY = 86_400_000;
/** Segments hold exactly three of these batches. */
const BATCH = makeBatch(2).length;

async function setup(overrides: Record<string, string>) {
  const dataDir = tempDir();
  const m = await openManager(dataDir);
  m.createTopic('logs', 1, { 'segment.bytes': String(3 * BATCH), 'file.delete.delay.ms': '0', ...overrides });
  return { dataDir, m, log: m.partition('logs', 0)!, dir: path.join(dataDir, 'logs-0') };
}

describe('retention', () => {
  it('deletes segments whose newest record is older than retention.ms, never the active one', async () => {
    const { m, log, dir } = await setup({ 'retention.ms': String(DAY) });
    // 3 batches per segment; timestamps one hour apart.
    for (let i = 0; i < 10; i++) appendBatch(log, makeBatch(2, { timestamp: T + i * 3_600_000 }));
    const segments = log.segments.map((s) => s.baseOffset);
    expect(segments.length).toBe(4);

    expect(m.applyRetention(T + DAY)).toBe(0); // nothing older than a day yet
    // At T + 3h + 1 day + 1ms the first segment (newest record at T + 2h) has expired, the second (T + 5h) not.
    expect(m.applyRetention(T + 2 * 3_600_000 + DAY + 1)).toBe(1);
    expect(log.logStartOffset).toBe(segments[1]);
    expect(segmentFiles(dir)).not.toContain('00000000000000000000.log');
    await expect(log.read(0, 100)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    const r = await log.read(log.logStartOffset, 1 << 20);
    expect(decodeBatches(concat(r.chunks))[0]!.header.baseOffset).toBe(segments[1]);

    // Far in the future: everything but the active segment goes.
    expect(m.applyRetention(T + 365 * DAY)).toBe(2);
    expect(log.segments.length).toBe(1);
    expect(log.logStartOffset).toBe(segments[3]);
    expect(log.logEndOffset).toBe(20);
    expect(segmentFiles(dir)).toEqual([`${String(segments[3]).padStart(20, '0')}.log`]);
  });

  it('deletes oldest segments while the partition without them is still at or over retention.bytes', async () => {
    const { m, log } = await setup({ 'retention.bytes': String(5 * BATCH) });
    for (let i = 0; i < 10; i++) appendBatch(log, makeBatch(2, { timestamp: Date.now() }));
    expect(log.segments.map((s) => s.size / BATCH)).toEqual([3, 3, 3, 1]);
    // 10 batches: dropping one segment leaves 7 ≥ 5, dropping another leaves 4 < 5: stop there.
    expect(m.applyRetention(Date.now())).toBe(1);
    expect(log.size).toBe(7 * BATCH);
    expect(log.logStartOffset).toBe(6);
    expect(m.applyRetention(Date.now())).toBe(0);
  });

  it('never deletes the active segment even when it alone exceeds retention.bytes', async () => {
    const { m, log } = await setup({ 'retention.bytes': '10', 'segment.bytes': '100000', 'retention.ms': '1' });
    for (let i = 0; i < 5; i++) appendBatch(log, makeBatch(2));
    expect(m.applyRetention(Date.now() + 365 * DAY)).toBe(0);
    expect(log.logStartOffset).toBe(0);
  });

  it('renames deleted segments to .deleted and removes them after file.delete.delay.ms', async () => {
    const { m, log, dir } = await setup({ 'retention.ms': '1000', 'file.delete.delay.ms': '50' });
    for (let i = 0; i < 6; i++) appendBatch(log, makeBatch(2, { timestamp: T }));
    expect(m.applyRetention(T + 10_000)).toBeGreaterThan(0);
    expect(fs.readdirSync(dir).some((f) => f.endsWith('.log.deleted'))).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(fs.readdirSync(dir).some((f) => f.endsWith('.deleted'))).toBe(false);
  });

  it('does not break a read that is in flight while its segment is deleted', async () => {
    const { m, log } = await setup({ 'retention.ms': '1000', 'file.delete.delay.ms': '0' });
    for (let i = 0; i < 9; i++) appendBatch(log, makeBatch(2, { timestamp: T }));
    const reading = log.read(0, 1 << 20);
    m.applyRetention(T + 10_000);
    const r = await reading;
    const got = decodeBatches(concat(r.chunks));
    expect(got[0]!.header.baseOffset).toBe(0);
    expect(got.every((b, i) => i === 0 || b.header.baseOffset === got[i - 1]!.header.baseOffset + 2)).toBe(true);
  });

  it('persists the log start offset across restarts', async () => {
    const { dataDir, m, log } = await setup({ 'retention.ms': '1000' });
    for (let i = 0; i < 9; i++) appendBatch(log, makeBatch(2, { timestamp: T }));
    m.applyRetention(T + 10_000);
    const start = log.logStartOffset;
    expect(start).toBeGreaterThan(0);
    await m.close();
    const again = await openManager(dataDir);
    expect(again.partition('logs', 0)!.logStartOffset).toBe(start);
    const cp = fs.readFileSync(path.join(dataDir, 'log-start-offset-checkpoint'), 'utf8');
    expect(cp).toBe(`0\n1\nlogs 0 ${start}\n`);
  });

  it('runs on its own timer', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir, { retentionCheckIntervalMs: 20 });
    m.createTopic('t', 1, { 'segment.bytes': '1500', 'retention.ms': '1000', 'file.delete.delay.ms': '0' });
    const log = m.partition('t', 0)!;
    for (let i = 0; i < 9; i++) appendBatch(log, makeBatch(2, { timestamp: T }));
    await new Promise((r) => setTimeout(r, 100));
    expect(log.segments.length).toBe(1);
  });
});
