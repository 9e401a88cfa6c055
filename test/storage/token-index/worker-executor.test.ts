// The worker thread the broker builds blocks in (the compiled index-worker.js, so `npm run build` first) builds the
// same sidecars, byte for byte, as this thread does; a worker that dies fails only the block in hand.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../../src/protocol/record-batch-builder.js';
import { BLOCK_BYTES } from '../../../src/storage/token-index/block-builder.js';
import { WorkerExecutor } from '../../../src/storage/token-index/worker-executor.js';
import { assertBuilt } from '../../helpers/broker-process.js';
import { appendBatch, captureLogger, openManager, tempDir } from '../helpers.js';
import { expectExactCover, expectNoFalseNegatives, logLine, rng } from './index-helpers.js';

const SCRIPT = fileURLToPath(new URL('../../../dist/src/storage/token-index/index-worker.js', import.meta.url));

async function build(executor: 'inline' | WorkerExecutor): Promise<Record<string, Buffer>> {
  const dataDir = tempDir();
  const m = await openManager(dataDir, { logger: captureLogger(), tokenIndex: { executor } });
  m.createTopic('logs', 1, { 'segment.bytes': String(3 * BLOCK_BYTES) });
  const log = m.partition('logs', 0)!;
  const r = rng(5);
  for (let i = 0; i < 50_000; i += 250) {
    appendBatch(log, buildRecordBatch(Array.from({ length: 250 }, (_, j) => ({ value: logLine(r, i + j) })), { timestamp: 1_764_600_000_000 + i }));
  }
  await m.tokenIndexer!.idle();
  expectExactCover(log);
  await expectNoFalseNegatives(log);
  await m.close();
  const dir = path.join(dataDir, 'logs-0');
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.tokens')).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

describe('worker executor', () => {
  it('builds the same sidecars as this thread', async () => {
    assertBuilt();
    expect(fs.existsSync(SCRIPT)).toBe(true);
    const worker = new WorkerExecutor(SCRIPT);
    const viaWorker = await build(worker);
    const inline = await build('inline');
    expect(Object.keys(viaWorker).length).toBeGreaterThan(2);
    expect(viaWorker).toEqual(inline);
  });

  it('fails the block in hand when the worker dies, and starts a new one for the next', async () => {
    assertBuilt();
    const ex = new WorkerExecutor(SCRIPT);
    const batch = buildRecordBatch([{ value: 'hello worker' }]);
    ex.begin(0, 0, BLOCK_BYTES);
    expect((await ex.push(Buffer.from(batch), 0)).consumedTo).toBe(batch.length);
    // The thread dies with a request outstanding: the request must reject, not hang.
    const dying = (ex as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const pending = ex.finish();
    await dying;
    await expect(pending).rejects.toThrow(/exited/);
    ex.begin(0, 0, BLOCK_BYTES);
    expect((await ex.push(Buffer.from(batch), 0)).consumedTo).toBe(batch.length);
    expect((await ex.finish())!.entry.length).toBeGreaterThan(56);
    await ex.close();
  });

  it('hands each piece back whole, so the next is read into it and moved again without a copy', async () => {
    assertBuilt();
    const ex = new WorkerExecutor(SCRIPT);
    const first = buildRecordBatch([{ value: 'the first piece, the longer of the two' }]);
    const second = buildRecordBatch([{ value: 'the second piece' }]);
    ex.begin(0, 0, BLOCK_BYTES);
    expect(ex.spare()).toBeUndefined();
    // A piece that owns its whole ArrayBuffer, as a read of ~1 MiB does.
    const piece = Buffer.from(new ArrayBuffer(first.length));
    first.copy(piece);
    expect((await ex.push(piece, 0)).consumedTo).toBe(first.length);
    expect(piece.buffer.byteLength).toBe(0); // moved to the worker
    const spare = ex.spare()!;
    expect(spare.length).toBe(first.length); // and back, whole
    expect(ex.spare()).toBeUndefined(); // given once
    // The next piece read into the start of it (a view, as Segment.readAt returns for a shorter read).
    second.copy(spare);
    const r = await ex.push(spare.subarray(0, second.length), first.length);
    expect(r.consumedTo).toBe(first.length + second.length);
    expect(spare.buffer.byteLength).toBe(0); // moved, not copied
    expect(ex.spare()!.length).toBe(first.length); // and back whole again, not as the view's length
    // A view of some other buffer is copied: the caller's buffer stays usable.
    const other = Buffer.alloc(4 * first.length);
    first.copy(other);
    await ex.finish();
    ex.begin(0, 0, BLOCK_BYTES);
    await ex.push(other.subarray(0, first.length), 0);
    expect(other.buffer.byteLength).toBe(4 * first.length);
    expect(ex.spare()!.length).toBe(first.length);
    expect((await ex.finish())!.entry.length).toBeGreaterThan(56);
    await ex.close();
  });

  it('falls back to building on the main thread when no worker can run', async () => {
    const logger = captureLogger();
    const m = await openManager(tempDir(), { logger, tokenIndex: { executor: new WorkerExecutor('/nonexistent/index-worker.js') } });
    m.createTopic('logs', 1, { 'segment.bytes': String(2 * BLOCK_BYTES) });
    const log = m.partition('logs', 0)!;
    const r = rng(8);
    for (let i = 0; i < 20_000; i += 250) appendBatch(log, buildRecordBatch(Array.from({ length: 250 }, (_, j) => ({ value: logLine(r, i + j) }))));
    await m.tokenIndexer!.idle();
    expect(logger.lines.filter((l) => l.includes('building the search index on the main thread')).length).toBe(1);
    expect(log.tokenIndexStats().blocks).toBeGreaterThan(2);
    expectExactCover(log);
    await expectNoFalseNegatives(log);
  });
});
