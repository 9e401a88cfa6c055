import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { LogManager, StorageError, TOPIC_CONFIG_DEFAULTS } from '../../src/storage/index.js';
import { appendBatch, captureLogger, concat, makeBatch, openManager, tempDir } from './helpers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    return (e as StorageError).code;
  }
  return undefined;
}

describe('LogManager', () => {
  it('creates the data directory and a Kafka-style cluster id that survives restarts', async () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const m = await openManager(dataDir);
    expect(m.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(m.clusterId.startsWith('-')).toBe(false);
    const id = m.clusterId;
    await m.close();
    expect((await openManager(dataDir)).clusterId).toBe(id);
  });

  it('persists topics: name, id, partitions and overrides', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    const created = m.createTopic('orders', 3, { 'retention.ms': '1000' });
    expect(created.id.length).toBe(16);
    expect(created.config['retention.ms']).toBe(1000);
    expect(created.config['segment.bytes']).toBe(TOPIC_CONFIG_DEFAULTS['segment.bytes']);
    appendBatch(m.partition('orders', 2)!, makeBatch(4));
    await m.close();

    const again = await openManager(dataDir);
    const t = again.getTopic('orders')!;
    expect(t.id.equals(created.id)).toBe(true);
    expect(t.partitions).toBe(3);
    expect(t.overrides).toEqual({ 'retention.ms': 1000 });
    expect(again.listTopics().map((x) => x.name)).toEqual(['orders']);
    const log = again.partition('orders', 2)!;
    expect(log.logEndOffset).toBe(4);
    expect(decodeBatches(concat((await log.read(0, 1 << 20)).chunks))[0]!.records.length).toBe(4);
    expect(again.partition('orders', 3)).toBeUndefined();
    expect(again.partition('nope', 0)).toBeUndefined();
  });

  it('validates topic creation', async () => {
    const m = await openManager(tempDir());
    m.createTopic('orders', 1, {});
    expect(codeOf(() => m.createTopic('orders', 1, {}))).toBe('TOPIC_ALREADY_EXISTS');
    expect(codeOf(() => m.createTopic('bad name', 1, {}))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(codeOf(() => m.createTopic('..', 1, {}))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(codeOf(() => m.createTopic('Orders', 1, {}))).toBe('INVALID_TOPIC_EXCEPTION'); // same directory on macOS/Windows
    expect(codeOf(() => m.createTopic('x', 0, {}))).toBe('INVALID_PARTITIONS');
    expect(codeOf(() => m.createTopic('x', 1.5, {}))).toBe('INVALID_PARTITIONS');
    expect(codeOf(() => m.createTopic('x', 1, { 'retention.ms': 'soon' }))).toBe('INVALID_CONFIG');
    expect(codeOf(() => m.createTopic('x', 1, { 'no.such.key': '1' }))).toBe('INVALID_CONFIG');
    expect(m.getTopic('x')).toBeUndefined();
    expect(m.validateTopic('x', 2, { 'retention.ms': '5' }).config['retention.ms']).toBe(5);
    expect(m.getTopic('x')).toBeUndefined();
    expect(m.validateTopicName('ok')).toBeNull();
    expect(m.validateTopicName('not ok')).toMatch(/characters/);
  });

  it('deletes a topic: metadata first, then its directories', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('gone', 2, {});
    m.createTopic('kept', 1, {});
    const log = m.partition('gone', 0)!;
    appendBatch(log, makeBatch(2));
    const reading = log.read(0, 1 << 20);
    const deleted = m.deleteTopic('gone');
    expect(m.getTopic('gone')).toBeUndefined();
    expect(decodeBatches(concat((await reading).chunks)).length).toBe(1); // an in-flight read still completes
    await deleted;
    expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('gone'))).toEqual([]);
    await expect(log.read(0, 100)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(codeOf(() => m.deleteTopic('gone'))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    await m.close();
    const again = await openManager(dataDir);
    expect(again.listTopics().map((t) => t.name)).toEqual(['kept']);
    // The name can be reused, starting from offset 0.
    again.createTopic('gone', 1, {});
    expect(again.partition('gone', 0)!.logEndOffset).toBe(0);
  });

  it('only grows the partition count', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('t', 2, {});
    expect(codeOf(() => m.createPartitions('t', 2))).toBe('INVALID_PARTITIONS');
    expect(codeOf(() => m.createPartitions('t', 1))).toBe('INVALID_PARTITIONS');
    expect(codeOf(() => m.createPartitions('nope', 3))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(m.createPartitions('t', 4).partitions).toBe(4);
    appendBatch(m.partition('t', 3)!, makeBatch(1));
    await m.close();
    const again = await openManager(dataDir);
    expect(again.getTopic('t')!.partitions).toBe(4);
    expect(again.partition('t', 3)!.logEndOffset).toBe(1);
  });

  it('alters topic config (merge, revert with null, replace) and applies it to the partitions', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('t', 1, { 'retention.ms': '1000' });
    let t = m.alterTopicConfig('t', { 'message.timestamp.type': 'LogAppendTime' });
    expect(t.overrides).toEqual({ 'retention.ms': 1000, 'message.timestamp.type': 'LogAppendTime' });
    expect(appendBatch(m.partition('t', 0)!, makeBatch(1), 123).logAppendTime).toBe(123);
    t = m.alterTopicConfig('t', { 'retention.ms': null });
    expect(t.overrides).toEqual({ 'message.timestamp.type': 'LogAppendTime' });
    expect(t.config['retention.ms']).toBe(TOPIC_CONFIG_DEFAULTS['retention.ms']);
    t = m.alterTopicConfig('t', { 'segment.bytes': '5000' }, { replace: true });
    expect(t.overrides).toEqual({ 'segment.bytes': 5000 });
    expect(codeOf(() => m.alterTopicConfig('t', { 'segment.bytes': 'big' }))).toBe('INVALID_CONFIG');
    expect(m.alterTopicConfig('t', { 'retention.ms': '1' }, { validateOnly: true }).overrides['retention.ms']).toBe(1);
    expect(m.getTopic('t')!.overrides).toEqual({ 'segment.bytes': 5000 });
    const described = m.describeTopicConfig('t');
    expect(described.find((e) => e.name === 'segment.bytes')).toMatchObject({ value: '5000', source: 'TOPIC' });
    await m.close();
    expect((await openManager(dataDir)).getTopic('t')!.overrides).toEqual({ 'segment.bytes': 5000 });
  });

  it('accepts broker defaults as strings or typed values', async () => {
    const a = await openManager(tempDir(), { defaults: { 'retention.ms': '60000' } });
    expect(a.createTopic('t', 1, {}).config['retention.ms']).toBe(60000);
    const b = await openManager(tempDir(), { defaults: { ...TOPIC_CONFIG_DEFAULTS, 'flush.ms': -1 } });
    expect(b.createTopic('t', 1, {}).config['flush.ms']).toBe(-1);
    await expect(LogManager.open({ dataDir: tempDir(), defaults: { 'retention.ms': 'x' } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('allocates producer ids that keep increasing across restarts', async () => {
    const dataDir = tempDir();
    let m = await openManager(dataDir);
    const first = [m.allocateProducerId(), m.allocateProducerId(), m.allocateProducerId()];
    expect(first).toEqual([0, 1, 2]);
    await m.close();
    m = await openManager(dataDir);
    expect(m.allocateProducerId()).toBeGreaterThan(2);
    // Even after a crash (no close), ids are never reused.
    const before = m.allocateProducerId();
    const crashed = await LogManager.open({ dataDir, logger: captureLogger() });
    expect(crashed.allocateProducerId()).toBeGreaterThan(before);
    await crashed.close();
  });

  it('reports per-partition stats', async () => {
    const m = await openManager(tempDir());
    m.createTopic('t', 2, { 'segment.bytes': '1000' });
    const b = makeBatch(3);
    for (let i = 0; i < 3; i++) appendBatch(m.partition('t', 1)!, Buffer.from(b));
    await m.tokenIndexer!.idle();
    // The sealed segment (two batches) is one indexed block; the active one's batch is not indexed yet.
    const sidecar = fs.statSync(path.join(m.dataDir, 't-1', '00000000000000000000.tokens')).size;
    expect(m.stats()).toEqual([
      {
        name: 't',
        size: 3 * b.length,
        partitions: [
          { partition: 0, logStartOffset: 0, logEndOffset: 0, size: 0, segments: 1, tokenIndex: { indexBytes: 0, logBytes: 0, indexedBytes: 0, blocks: 0 } },
          {
            partition: 1,
            logStartOffset: 0,
            logEndOffset: 9,
            size: 3 * b.length,
            segments: 2,
            tokenIndex: { indexBytes: sidecar, logBytes: 3 * b.length, indexedBytes: 2 * b.length, blocks: 1 },
          },
        ],
      },
    ]);
  });

  it('writes the recovery checkpoint after fsyncs (flushAll)', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('t', 1, {});
    appendBatch(m.partition('t', 0)!, makeBatch(5));
    await m.flushAll();
    expect(fs.readFileSync(path.join(dataDir, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 5\n');
  });

  it('refuses a data directory held by another live process', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, '.lock'), String(process.ppid));
    await expect(LogManager.open({ dataDir })).rejects.toThrow(/in use by process/);
    fs.writeFileSync(path.join(dataDir, '.lock'), '999999999'); // stale
    await (await openManager(dataDir)).close();
  });

  it('rebuilds the topic list from directories if topics.json is missing, and removes stray partitions', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('a', 2, {});
    appendBatch(m.partition('a', 1)!, makeBatch(2));
    await m.close();
    fs.mkdirSync(path.join(dataDir, 'a-7.0123456789abcdef-delete'));
    fs.rmSync(path.join(dataDir, '__meta', 'topics.json'));
    const logger = captureLogger();
    const again = await openManager(dataDir, { logger });
    expect(again.getTopic('a')!.partitions).toBe(2);
    expect(again.partition('a', 1)!.logEndOffset).toBe(2);
    expect(logger.lines.some((l) => l.includes('rebuilt 1 topic'))).toBe(true);
    await again.close();
    expect(fs.existsSync(path.join(dataDir, 'a-7.0123456789abcdef-delete'))).toBe(false);
  });

  it('fails with a clear message when topics.json is corrupt', async () => {
    const dataDir = tempDir();
    await (await openManager(dataDir)).close();
    fs.writeFileSync(path.join(dataDir, '__meta', 'topics.json'), '{"version":1,');
    await expect(LogManager.open({ dataDir })).rejects.toThrow(/unreadable.*restore it from a backup/);
  });
});
