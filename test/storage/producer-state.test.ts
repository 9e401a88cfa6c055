import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogManager, StorageError } from '../../src/storage/index.js';
import { lastSequenceOf, ProducerStateTable } from '../../src/storage/producer-state.js';
import { appendBatch, captureLogger, makeBatch, openManager, removeCleanMarker, tempDir } from './helpers.js';

const batch = (n: number, producerId: number, producerEpoch: number, baseSequence: number) => makeBatch(n, { producerId, producerEpoch, baseSequence });

async function setup() {
  const dataDir = tempDir();
  const m = await openManager(dataDir);
  m.createTopic('t', 1, {});
  return { dataDir, m, log: m.partition('t', 0)! };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    return (e as StorageError).code;
  }
  return undefined;
}

describe('idempotent producers', () => {
  it('returns the original offsets for a retried batch and writes nothing', async () => {
    const { log } = await setup();
    const first = appendBatch(log, batch(3, 7, 0, 0));
    appendBatch(log, batch(2, 7, 0, 3));
    const size = log.size;
    const retry = appendBatch(log, batch(3, 7, 0, 0));
    expect(retry).toMatchObject({ baseOffset: first.baseOffset, lastOffset: first.lastOffset, duplicate: true });
    expect(log.size).toBe(size);
    expect(log.logEndOffset).toBe(5);
  });

  it('rejects a gap in sequence numbers', async () => {
    const { log } = await setup();
    appendBatch(log, batch(3, 7, 0, 0));
    expect(codeOf(() => appendBatch(log, batch(1, 7, 0, 4)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(log.logEndOffset).toBe(3);
    expect(appendBatch(log, batch(1, 7, 0, 3)).baseOffset).toBe(3);
  });

  it('fences an older epoch and requires a new epoch to start at sequence 0', async () => {
    const { log } = await setup();
    appendBatch(log, batch(1, 7, 2, 0));
    expect(codeOf(() => appendBatch(log, batch(1, 7, 1, 1)))).toBe('INVALID_PRODUCER_EPOCH');
    expect(codeOf(() => appendBatch(log, batch(1, 7, 3, 5)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(appendBatch(log, batch(1, 7, 3, 0)).duplicate).toBe(false);
  });

  it('accepts an unknown producer at any sequence (Kafka 2.5+), then tracks it', async () => {
    const { log } = await setup();
    expect(appendBatch(log, batch(2, 99, 0, 1234)).baseOffset).toBe(0);
    expect(codeOf(() => appendBatch(log, batch(1, 99, 0, 1237)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(appendBatch(log, batch(1, 99, 0, 1236)).baseOffset).toBe(2);
  });

  it('remembers only the last five batches per producer', async () => {
    const { log } = await setup();
    for (let s = 0; s < 6; s++) appendBatch(log, batch(1, 1, 0, s));
    expect(appendBatch(log, batch(1, 1, 0, 1)).duplicate).toBe(true);
    expect(codeOf(() => appendBatch(log, batch(1, 1, 0, 0)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
  });

  it('wraps sequence numbers at Int32.MAX', () => {
    expect(lastSequenceOf(2147483646, 3)).toBe(1);
    const t = new ProducerStateTable();
    t.update({ producerId: 1, producerEpoch: 0, baseSequence: 2147483640, lastOffsetDelta: 7 }, 0, 0);
    expect(t.check({ producerId: 1, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: 0 })).toBeNull();
  });

  it('ignores batches without a producer id', async () => {
    const { log } = await setup();
    appendBatch(log, makeBatch(1));
    appendBatch(log, makeBatch(1));
    expect(log.producers.size).toBe(0);
  });

  it('keeps producer state across a clean restart (snapshot)', async () => {
    const { dataDir, m, log } = await setup();
    const first = appendBatch(log, batch(2, 5, 1, 0));
    appendBatch(log, batch(2, 5, 1, 2));
    await m.close();
    expect(fs.readdirSync(path.join(dataDir, 't-0')).filter((f) => f.endsWith('.snapshot'))).toEqual(['00000000000000000004.snapshot']);
    const again = await openManager(dataDir);
    const log2 = again.partition('t', 0)!;
    expect(appendBatch(log2, batch(2, 5, 1, 0))).toMatchObject({ duplicate: true, baseOffset: first.baseOffset });
    expect(codeOf(() => appendBatch(log2, batch(1, 5, 1, 9)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(codeOf(() => appendBatch(log2, batch(1, 5, 0, 4)))).toBe('INVALID_PRODUCER_EPOCH');
  });

  it('rebuilds producer state from batch headers after a crash', async () => {
    const dataDir = tempDir();
    const crashed = await LogManager.open({ dataDir, logger: captureLogger(), retentionCheckIntervalMs: 3_600_000 });
    crashed.createTopic('t', 1, { 'segment.bytes': '1000', 'flush.ms': '-1' });
    const log = crashed.partition('t', 0)!;
    const results = [];
    for (let s = 0; s < 12; s += 2) results.push(appendBatch(log, batch(2, 8, 0, s)));
    // Crash without close: the newest state exists only in the log.
    const m = await openManager(dataDir);
    const log2 = m.partition('t', 0)!;
    expect(appendBatch(log2, batch(2, 8, 0, 10))).toMatchObject({ duplicate: true, baseOffset: results[5]!.baseOffset });
    expect(appendBatch(log2, batch(1, 8, 0, 12)).baseOffset).toBe(12);
  });

  it('discards a snapshot that is ahead of a truncated log', async () => {
    const { dataDir, m, log } = await setup();
    appendBatch(log, batch(2, 5, 0, 0));
    appendBatch(log, batch(2, 5, 0, 2));
    await m.close();
    // Cut the last batch away; the snapshot at offset 4 now describes data that is gone.
    const file = path.join(dataDir, 't-0', '00000000000000000000.log');
    fs.truncateSync(file, fs.statSync(file).size - 10);
    removeCleanMarker(dataDir);
    const again = await openManager(dataDir);
    const log2 = again.partition('t', 0)!;
    expect(log2.logEndOffset).toBe(2);
    expect(fs.readdirSync(path.join(dataDir, 't-0')).some((f) => f === '00000000000000000004.snapshot')).toBe(false);
    // The producer's next batch is sequence 2 again, and it is not mistaken for a duplicate.
    expect(appendBatch(log2, batch(2, 5, 0, 2))).toMatchObject({ duplicate: false, baseOffset: 2 });
  });
});

describe('producer state is bounded per partition', () => {
  const seq = (producerId: number, baseSequence: number) => ({ producerId, producerEpoch: 0, baseSequence, lastOffsetDelta: 0 });

  it('forgets the least recently written producer beyond maxProducers, as if it had expired', () => {
    const table = new ProducerStateTable(3);
    for (const id of [1, 2, 3]) table.update(seq(id, 0), id, 1000);
    table.update(seq(1, 1), 10, 2000); // producer 1 wrote again: 2 is now the least recent
    table.update(seq(4, 0), 11, 2000);
    expect(table.size).toBe(3);
    // A forgotten producer's next batch is accepted as from a new producer (null: go ahead), at any sequence.
    expect(table.check(seq(2, 57))).toBeNull();
    // The remembered ones are still checked: a gap for producer 1 is refused.
    expect(() => table.check(seq(1, 9))).toThrow(/sequence 9 but 2 was expected/);
    expect(table.toSnapshot(0).producers.map((p) => p.id)).toEqual([3, 1, 4]);
  });

  it('holds at most maxProducersPerPartition for a LogManager partition, however many producer ids clients invent', async () => {
    const m = await openManager(tempDir(), { maxProducersPerPartition: 50 });
    m.createTopic('t', 1, {});
    const log = m.partition('t', 0)!;
    for (let id = 0; id < 500; id++) appendBatch(log, batch(1, 1000 + id, 0, 0));
    expect(log.producers.size).toBe(50);
    expect(log.logEndOffset).toBe(500);
  });
});
