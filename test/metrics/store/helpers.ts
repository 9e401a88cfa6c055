// A real LogManager in a temp dir, records appended the way the broker appends them, and a store over it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { silentLogger, type Logger } from '../../../src/common/logger.js';
import { METRICS_DEFAULTS, type MetricsConfig } from '../../../src/metrics/config.js';
import { MetricsStore } from '../../../src/metrics/store/index.js';
import { buildRecordBatch, type RecordInput } from '../../../src/protocol/record-batch-builder.js';
import { readBatchHeader } from '../../../src/protocol/record-batch.js';
import { LogManager } from '../../../src/storage/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
}, 60_000);

export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-mstore-'));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

export async function openLogs(dataDir: string, topics: Record<string, number> = { metrics: 1 }): Promise<LogManager> {
  const m = await LogManager.open({ dataDir, logger: silentLogger, retentionCheckIntervalMs: 3_600_000, searchIndex: false });
  for (const [name, partitions] of Object.entries(topics)) if (!m.getTopic(name)) m.createTopic(name, partitions);
  cleanups.push(() => m.close().catch(() => {}));
  return m;
}

/** Appends one batch: each entry a record (a string: its value), optionally with the `format: influx` header. */
export function append(logs: LogManager, topic: string, values: (string | RecordInput)[], opts: { partition?: number; header?: boolean; timestamp?: number } = {}): void {
  const records = values.map((v) => (typeof v === 'string' ? { value: v, headers: opts.header ? ([['format', 'influx']] as [string, string][]) : [] } : v));
  const batch = buildRecordBatch(records, { timestamp: opts.timestamp });
  logs.partition(topic, opts.partition ?? 0)!.append(batch, readBatchHeader(batch));
}

export async function openStore(dir: string, logs: LogManager, config: Partial<MetricsConfig> = {}, logger: Logger = silentLogger): Promise<MetricsStore> {
  const store = await MetricsStore.open({ dir, logs, config: { ...METRICS_DEFAULTS, ...config }, logger });
  cleanups.push(() => store.close().catch(() => {}));
  return store;
}

export const HOUR = 3_600_000;
