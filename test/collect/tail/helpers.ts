import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { FileTailer, lastPositions, type FileTailerOptions } from '../../../src/collect/tail/index.js';
import type { SourcedRecord } from '../../../src/collect/record.js';
import { waitUntil } from '../../helpers/wait-until.js';

const dirs: string[] = [];
const tailers: FileTailer[] = [];

afterEach(async () => {
  for (const t of tailers.splice(0)) await t.stop().catch(() => {});
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-tail-'));
  dirs.push(d);
  return d;
}

export interface Collected {
  tailer: FileTailer;
  records: SourcedRecord[];
  /** Values of the records so far. */
  values(): string[];
  /** Resolves when the last commit requested so far is durable. */
  lastCommit: () => Promise<void>;
}

/**
 * Starts a tailer (stopped after the test) that collects every record; with `commit`, each batch is committed right
 * away, as a sink that acknowledges immediately would.
 */
export async function startTailer(opts: Partial<FileTailerOptions> & Pick<FileTailerOptions, 'globs' | 'checkpointFile'>, { commit = true } = {}): Promise<Collected> {
  const debug = process.env.TAIL_DEBUG ? (m: string) => console.log(`${Date.now() % 100_000} ${m}`) : () => {};
  const log = { debug, info: debug, warn: debug, error: debug };
  const tailer = new FileTailer({ startAt: 'beginning', pollIntervalMs: 50, rescanIntervalMs: 500, checkpointIntervalMs: 20, rotateWaitMs: 300, log, ...opts });
  tailers.push(tailer);
  const records: SourcedRecord[] = [];
  let last: Promise<void> = Promise.resolve();
  tailer.on('batch', (batch) => {
    debug(`batch of ${batch.length}: ${batch.slice(0, 3).map((r) => `${String(r.value).slice(0, 20)}@${r.position.fileId}:${r.position.offset}`).join(', ')}`);
    for (const r of batch) records.push(r);
    if (commit) last = tailer.commit(lastPositions(batch));
  });
  await tailer.start();
  return { tailer, records, values: () => records.map((r) => String(r.value)), lastCommit: () => last };
}

export async function waitForValues(c: Collected, n: number, what = `${n} records`, timeoutMs = 10_000): Promise<void> {
  await waitUntil(what, () => c.records.length >= n, { timeoutMs, intervalMs: 10, details: () => `got ${c.records.length}: ${c.values().slice(-5).join(' | ')}` });
}

export { waitUntil };
