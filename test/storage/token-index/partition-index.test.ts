// The token index of real partitions (in-process LogManager, real files): blocks cover the log exactly, never deny a
// word their records hold, skip blocks that lack a rare word, stay under 5 % of the log, and are rebuilt when missing,
// corrupt or cut by recovery; retention takes the sidecar with its segment; searchIndex off writes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch, gzipBatch, type RecordInput } from '../../../src/protocol/record-batch-builder.js';
import { computeBatchCrc, BATCH_OFFSET_ATTRIBUTES, BATCH_OFFSET_CRC } from '../../../src/protocol/record-batch.js';
import type { LogManager, PartitionLog } from '../../../src/storage/index.js';
import { BLOCK_BYTES } from '../../../src/storage/token-index/block-builder.js';
import { readTokenIndex } from '../../../src/storage/token-index/segment-token-index.js';
import { tokenHashes } from '../../../src/storage/token-index/tokens.js';
import { appendBatch, captureLogger, openManager, removeCleanMarker, segmentFiles, tempDir, type CapturedLogger } from '../helpers.js';
import { expectExactCover, expectNoFalseNegatives, logLine, rng } from './index-helpers.js';

const T0 = 1_764_600_000_000;

/** Append `lines` realistic log lines in batches of `perBatch`; `special` replaces line i's value. */
function fill(log: PartitionLog, lines: number, opts: { seed?: number; perBatch?: number; from?: number; special?: Map<number, string>; gzip?: boolean } = {}): void {
  const r = rng(opts.seed ?? 1);
  const per = opts.perBatch ?? 200;
  const from = opts.from ?? 0;
  for (let i = from; i < from + lines; i += per) {
    const records: RecordInput[] = [];
    for (let j = i; j < Math.min(i + per, from + lines); j++) {
      records.push({ value: opts.special?.get(j) ?? logLine(r, j), key: j % 5 === 0 ? `host-${j % 7}` : null, headers: [['agent', Buffer.from(`agent-${j % 3}`)]], timestamp: T0 + j });
    }
    const batch = buildRecordBatch(records, { timestamp: T0 + i });
    appendBatch(log, opts.gzip ? gzipBatch(batch) : batch);
  }
}

async function open(dataDir: string, logger: CapturedLogger = captureLogger(), searchIndex = true): Promise<LogManager> {
  return openManager(dataDir, { logger, searchIndex, tokenIndex: { executor: 'inline' } });
}

async function topic(segmentBytes: number, extra: Record<string, string> = {}) {
  const dataDir = tempDir();
  const logger = captureLogger();
  const m = await open(dataDir, logger);
  m.createTopic('logs', 1, { 'segment.bytes': String(segmentBytes), ...extra });
  return { dataDir, logger, m, log: m.partition('logs', 0)!, dir: path.join(dataDir, 'logs-0') };
}

const tokensFiles = (dir: string) => segmentFiles(dir, '.tokens');
const readAll = (dir: string) => Object.fromEntries(tokensFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));

describe('token index of a partition', () => {
  it('cuts every segment into ~1 MiB blocks that cover it exactly, the active block left unindexed', async () => {
    const { m, log, dir } = await topic(3 * BLOCK_BYTES + 300_000);
    fill(log, 60_000);
    await m.tokenIndexer!.idle();
    expect(log.segments.length).toBeGreaterThan(2);
    const spans = log.searchSpans();
    expectExactCover(log, spans);
    const blocks = spans.filter((s) => s.kind === 'block');
    for (const s of blocks) {
      const size = s.block.end - s.block.start;
      const sealedTail = s.block.end === log.segments.find((g) => g.baseOffset === s.block.segmentBase)!.size && s.block.segmentBase !== log.active.baseOffset;
      if (!sealedTail) expect(size).toBeGreaterThanOrEqual(BLOCK_BYTES);
      expect(size).toBeLessThan(BLOCK_BYTES + 64 * 1024);
      expect(s.block.minTimestamp).toBeGreaterThanOrEqual(T0);
      expect(s.block.maxTimestamp).toBeGreaterThanOrEqual(s.block.minTimestamp);
    }
    // Only the active segment's tail (less than a block) is unindexed.
    const unindexed = spans.filter((s) => s.kind === 'unindexed');
    expect(unindexed.length).toBe(1);
    expect(unindexed[0]).toMatchObject({ segmentBase: log.active.baseOffset, end: log.active.size });
    expect(log.active.size - (unindexed[0] as { start: number }).start).toBeLessThan(BLOCK_BYTES);
    expect(await expectNoFalseNegatives(log)).toBe(blocks.length);
    // A sidecar for every segment with a block: the sealed ones (the active one has none until its first block).
    const withBlocks = new Set(blocks.map((s) => s.block.segmentBase));
    expect(tokensFiles(dir).length).toBe(withBlocks.size);
    expect(withBlocks.size).toBeGreaterThanOrEqual(log.segments.length - 1);
  });

  it('finds a rare word in one block of a 40-segment partition and rules out at least 95 % of the others', async () => {
    const { m, log } = await topic(Math.floor(1.5 * BLOCK_BYTES));
    const special = new Map([[123_457, 'payment failed for order ZX-88172 with code quokkafail']]);
    fill(log, 40 * 1.5 * 7_400, { special, seed: 7 });
    await m.tokenIndexer!.idle();
    expect(log.segments.length).toBeGreaterThanOrEqual(40);
    const blocks = log.searchSpans().flatMap((s) => (s.kind === 'block' ? [s.block] : []));
    const holder = blocks.find((b) => b.firstOffset <= 123_457 && b.lastOffset >= 123_457)!;
    expect(holder).toBeDefined();
    for (const q of ['quokkafail', 'ZX-88172 quokkafail', 'payment failed quokkafail']) {
      const hashes = tokenHashes(q);
      expect(holder.mayContainAll(hashes)).toBe(true);
      const others = blocks.filter((b) => b !== holder);
      const admitted = others.filter((b) => b.mayContainAll(hashes)).length;
      expect(admitted / others.length).toBeLessThanOrEqual(0.05);
    }
    // A common word is in every block.
    expect(blocks.every((b) => b.mayContainAll(tokenHashes('request_id')))).toBe(true);
  });

  it('stays within 5 % of the log for realistic log lines', async () => {
    const { m, log } = await topic(4 * BLOCK_BYTES);
    fill(log, 100_000, { seed: 3 });
    await m.tokenIndexer!.idle();
    const s = log.tokenIndexStats();
    expect(s.blocks).toBeGreaterThan(10);
    expect(s.indexBytes / s.indexedBytes).toBeLessThanOrEqual(0.05);
    expect(s.indexBytes / s.logBytes).toBeLessThanOrEqual(0.05);
    expect(m.stats()[0]!.partitions[0]!.tokenIndex).toEqual(s);
  });

  it('indexes gzip batches and skips control batches', async () => {
    const { m, log } = await topic(2 * BLOCK_BYTES);
    fill(log, 20_000, { gzip: true, special: new Map([[5, 'inside gzip wombatword']]) });
    // A control batch (transaction marker) whose bytes hold a word: it counts for offsets, not for words.
    const control = buildRecordBatch([{ key: Buffer.from([0, 0, 0, 0]), value: 'controlonlyword' }], { producerId: 9, producerEpoch: 0, baseSequence: 0, transactional: true });
    control.writeInt16BE(control.readInt16BE(BATCH_OFFSET_ATTRIBUTES) | 0x20, BATCH_OFFSET_ATTRIBUTES);
    control.writeUInt32BE(computeBatchCrc(control, 0, control.length), BATCH_OFFSET_CRC);
    appendBatch(log, control);
    fill(log, 200, { from: 20_000 });
    // Seal the segment so its tail is indexed too: roll by filling past segment.bytes.
    fill(log, 20_000, { from: 20_200, seed: 9 });
    await m.tokenIndexer!.idle();
    await expectNoFalseNegatives(log);
    const blocks = log.searchSpans().flatMap((s) => (s.kind === 'block' ? [s.block] : []));
    const controlBlock = blocks.find((b) => b.firstOffset <= 20_000 && b.lastOffset >= 20_000)!;
    expect(controlBlock).toBeDefined();
    expect(controlBlock.mayContainAll(tokenHashes('controlonlyword'))).toBe(false);
    expect(blocks[0]!.mayContainAll(tokenHashes('wombatword'))).toBe(true);
    expect(blocks.filter((b) => b.mayContainAll(tokenHashes('wombatword'))).length).toBe(1);
  });

  it('rebuilds a deleted sidecar after a restart, the same bytes as before', async () => {
    const { dataDir, m, log, dir } = await topic(2 * BLOCK_BYTES);
    fill(log, 40_000);
    await m.tokenIndexer!.idle();
    await m.close();
    const before = readAll(dir);
    expect(Object.keys(before).length).toBeGreaterThan(1);
    for (const f of Object.keys(before)) fs.rmSync(path.join(dir, f));
    const m2 = await open(dataDir);
    await m2.tokenIndexer!.idle();
    expect(readAll(dir)).toEqual(before);
    const log2 = m2.partition('logs', 0)!;
    expectExactCover(log2);
    await expectNoFalseNegatives(log2);
  });

  for (const damage of ['flip a filter byte', 'flip an entry header byte', 'truncate mid-entry', 'garbage header'] as const) {
    it(`detects a corrupt sidecar (${damage}), never trusts it, and rebuilds it`, async () => {
      const { dataDir, m, log, dir } = await topic(4 * BLOCK_BYTES);
      fill(log, 40_000);
      await m.tokenIndexer!.idle();
      await m.close();
      const before = readAll(dir);
      const file = path.join(dir, '00000000000000000000.tokens');
      const b = fs.readFileSync(file);
      const entry2 = 12 + 56 + b.readUInt32BE(12 + 48); // second entry's position
      if (damage === 'flip a filter byte') b[entry2 + 56 + 100]! ^= 0x10;
      if (damage === 'flip an entry header byte') b[entry2 + 20]! ^= 0x01;
      if (damage === 'garbage header') b[1]! ^= 0xff;
      fs.writeFileSync(file, damage === 'truncate mid-entry' ? b.subarray(0, entry2 + 300) : b);

      const logger = captureLogger();
      const m2 = await open(dataDir, logger);
      const log2 = m2.partition('logs', 0)!;
      // Until rebuilt, nothing past the damage is offered as a block.
      const early = log2.searchSpans().filter((s) => s.kind === 'block' && s.block.segmentBase === 0);
      expect(early.length).toBeLessThanOrEqual(damage === 'garbage header' ? 0 : 1);
      await m2.tokenIndexer!.idle();
      expect(logger.lines.some((l) => l.includes('00000000000000000000.tokens') && l.startsWith('warn'))).toBe(true);
      expect(readAll(dir)).toEqual(before);
      expectExactCover(log2);
      await expectNoFalseNegatives(log2);
    });
  }

  it('drops blocks past the end of a log that recovery cut, and rebuilds them from what follows', async () => {
    const { dataDir, m, log, dir } = await topic(8 * BLOCK_BYTES);
    fill(log, 40_000);
    await m.tokenIndexer!.idle();
    const fullSpans = log.searchSpans().filter((s) => s.kind === 'block').length;
    expect(fullSpans).toBeGreaterThanOrEqual(4);
    await m.close();
    // A crash left the log shorter than its index: cut it in the middle of the third block (mid-batch).
    const logFile = path.join(dir, '00000000000000000000.log');
    fs.truncateSync(logFile, Math.floor(2.5 * BLOCK_BYTES));
    removeCleanMarker(dataDir);
    const m2 = await open(dataDir);
    const log2 = m2.partition('logs', 0)!;
    // Cut while the partition was opened, before any append could land past the new end (not later, in the background).
    const onDisk = await readTokenIndex(path.join(dir, '00000000000000000000.tokens'), 0, Infinity);
    expect(onDisk.blocks.length).toBe(2);
    expect(onDisk.problem).toBeNull();
    const kept = log2.searchSpans().filter((s) => s.kind === 'block');
    for (const s of kept) if (s.kind === 'block') expect(s.block.end).toBeLessThanOrEqual(log2.active.size);
    // New, different records land where the old blocks were; the index must describe them, not the old ones.
    fill(log2, 30_000, { from: log2.logEndOffset, seed: 42, special: new Map([[log2.logEndOffset + 10, 'afterthecrash marmotword']]) });
    await m2.tokenIndexer!.idle();
    expectExactCover(log2);
    await expectNoFalseNegatives(log2);
    expect(log2.searchSpans().some((s) => s.kind === 'block' && s.block.mayContainAll(tokenHashes('marmotword')))).toBe(true);
  });

  it('goes with its segment: retention renames it with the log and removes it after file.delete.delay.ms', async () => {
    const { m, log, dir } = await topic(2 * BLOCK_BYTES, { 'retention.bytes': String(3 * BLOCK_BYTES), 'file.delete.delay.ms': '200' });
    fill(log, 60_000);
    await m.tokenIndexer!.idle();
    const first = '00000000000000000000';
    expect(tokensFiles(dir)).toContain(`${first}.tokens`);
    expect(m.applyRetention(Date.now())).toBeGreaterThan(0);
    expect(tokensFiles(dir)).not.toContain(`${first}.tokens`);
    expect(fs.readdirSync(dir)).toContain(`${first}.tokens.deleted`);
    for (let i = 0; i < 100 && fs.readdirSync(dir).some((f) => f.endsWith('.deleted')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(first))).toEqual([]);
    const withBlocks = new Set(log.searchSpans().flatMap((s) => (s.kind === 'block' ? [s.block.segmentBase] : [])));
    expect(tokensFiles(dir)).toEqual([...withBlocks].map((b) => `${String(b).padStart(20, '0')}.tokens`));
    expectExactCover(log);
  });

  it('with searchIndex off writes and reads no sidecar; every segment is one unindexed span', async () => {
    const dataDir = tempDir();
    const m = await open(dataDir, captureLogger(), false);
    expect(m.tokenIndexer).toBeNull();
    m.createTopic('logs', 1, { 'segment.bytes': String(2 * BLOCK_BYTES) });
    const log = m.partition('logs', 0)!;
    fill(log, 40_000);
    await m.close();
    const dir = path.join(dataDir, 'logs-0');
    expect(tokensFiles(dir)).toEqual([]);
    const m2 = await open(dataDir, captureLogger(), false);
    const log2 = m2.partition('logs', 0)!;
    const spans = log2.searchSpans();
    expect(spans.every((s) => s.kind === 'unindexed' && s.start === 0)).toBe(true);
    expectExactCover(log2, spans);
    const first = spans[0]!;
    if (first.kind !== 'unindexed') throw new Error('unreachable');
    expect((await log2.readRange(first.segmentBase, first.start, first.end)).length).toBe(first.end);
    expect(log2.tokenIndexStats().indexBytes).toBe(0);
    expect(tokensFiles(dir)).toEqual([]);
  });
});
