import fs from 'node:fs';
import type { Logger } from '../../src/common/logger.js';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { buildRecordBatch, type BatchOptions, type RecordInput } from '../../src/protocol/record-batch-builder.js';
import { readBatchHeader } from '../../src/protocol/record-batch.js';
import { LogManager, type LogManagerOptions, type PartitionLog } from '../../src/storage/index.js';

const dirs: string[] = [];
const managers: LogManager[] = [];

// Closing and removing thousands of partitions takes a while on a busy 2-core machine: no 10 s hook limit for it.
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close().catch(() => {});
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}, 180_000);

export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-storage-'));
  dirs.push(d);
  return d;
}

export interface CapturedLogger extends Logger {
  lines: string[];
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  return {
    lines,
    debug: () => 0,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

/** Opens a manager that is closed automatically after the test. */
export async function openManager(dataDir: string, opts: Partial<LogManagerOptions> = {}): Promise<LogManager> {
  const m = await LogManager.open({ dataDir, logger: captureLogger(), retentionCheckIntervalMs: 3_600_000, ...opts });
  managers.push(m);
  return m;
}

/** A batch of `n` records "v<i>", each 100 bytes of value unless `size` says otherwise. */
export function makeBatch(n: number, opts: BatchOptions & { size?: number; prefix?: string } = {}): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    const base = `${opts.prefix ?? 'v'}${i}`;
    records.push({ key: `k${i}`, value: base.padEnd(opts.size ?? 100, '.') });
  }
  return buildRecordBatch(records, opts);
}

/** Append a batch the way the broker does (header parsed first); returns the result. */
export function appendBatch(log: PartitionLog, batch: Buffer, now?: number) {
  return log.append(batch, readBatchHeader(batch), now);
}

export function concat(chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks);
}

/** Crash simulation after a close: drop the clean-shutdown marker so the next open recovers. */
export function removeCleanMarker(dataDir: string): void {
  fs.rmSync(path.join(dataDir, '.clean-shutdown'), { force: true });
}

export function segmentFiles(dir: string, suffix = '.log'): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).sort();
}
