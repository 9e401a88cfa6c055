// Scenario 1: produce throughput. kcat (librdkafka, default batching, acks=1) sends N pre-generated 100-byte values
// to a 6-partition topic; the clock covers kcat's whole run, which ends only after every delivery report is in.
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { costMetrics } from './broker.js';
import { runCommand } from './child.js';
import { createTopic, totalEndOffset } from './kafka.js';
import { searchIndexOn, tokenIndexReport } from './token-index.js';

export const TOPIC = 'bench-throughput';
export const PARTITIONS = 6;
export const VALUE_BYTES = 100;
const LINES_PER_WRITE = 10_000;

/** N lines of exactly VALUE_BYTES printable bytes (a zero-padded sequence number, then filler) plus '\n'. */
export function writeInputFile(path, records) {
  const line = VALUE_BYTES + 1;
  const filler = Buffer.alloc(VALUE_BYTES, 'abcdefghijklmnopqrstuvwxyz0123456789');
  const chunk = Buffer.alloc(line * LINES_PER_WRITE);
  for (let i = 0; i < LINES_PER_WRITE; i++) {
    filler.copy(chunk, i * line);
    chunk[i * line + VALUE_BYTES] = 0x0a;
  }
  const fd = openSync(path, 'w');
  try {
    for (let seq = 0; seq < records; seq += LINES_PER_WRITE) {
      const n = Math.min(LINES_PER_WRITE, records - seq);
      for (let i = 0; i < n; i++) chunk.write(String(seq + i).padStart(12, '0'), i * line, 'latin1');
      writeSync(fd, chunk, 0, n * line);
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Produce ctx.records values into the throughput topic; returns timing and broker cost. */
async function produceAll(ctx) {
  ctx.state.produceAttempted = true;
  const input = writeInputFile(join(ctx.tmpDir, 'values.txt'), ctx.records);
  await createTopic(ctx.broker.address, TOPIC, PARTITIONS);
  const before = await totalEndOffset(ctx.broker.address, TOPIC);
  const measure = ctx.broker.window();
  const { elapsedMs } = await runCommand(ctx.kcat.cmd, ['-P', '-b', ctx.broker.address, '-t', TOPIC, '-X', 'acks=1', '-l', input], {
    timeoutMs: ctx.timeoutMs(ctx.records),
    label: 'kcat -P',
  });
  const cost = measure();
  ctx.broker.assertAlive('produce');
  const after = await totalEndOffset(ctx.broker.address, TOPIC);
  const stored = after.total - before.total;
  if (stored !== ctx.records) throw new Error(`kcat -P exited cleanly but the topic grew by ${stored} records, not ${ctx.records}`);
  ctx.state.produced = ctx.records;
  return { elapsedMs, partitionRecords: after.partitions, cost, tokenIndex: await tokenIndexReport(ctx.broker.dataDir, TOPIC) };
}

/** For scenarios that need the throughput topic filled (consume) when `produce` did not run first. */
export async function ensureThroughputData(ctx) {
  if (ctx.state.produceAttempted && !ctx.state.produced) throw new Error('needs the throughput topic, but producing it failed (see above)');
  if (!ctx.state.produced) await produceAll(ctx);
  return ctx.state.produced;
}

export default {
  name: 'produce',
  title: 'Produce throughput (kcat -P, acks=1, 100-byte values, 6 partitions)',
  async run(ctx) {
    const r = await produceAll(ctx);
    const seconds = r.elapsedMs / 1000;
    const recordsPerSec = ctx.records / seconds;
    return {
      metrics: {
        records: ctx.records,
        valueBytes: VALUE_BYTES,
        partitions: PARTITIONS,
        elapsedMs: Math.round(r.elapsedMs),
        recordsPerSec: Math.round(recordsPerSec),
        valueMBPerSec: round1((ctx.records * VALUE_BYTES) / 1e6 / seconds),
        partitionRecords: r.partitionRecords,
        ...costMetrics(r.cost, seconds),
        searchIndex: searchIndexOn(),
        tokenIndex: r.tokenIndex,
      },
      checks: [
        { name: `produce records/s (search index ${searchIndexOn() ? 'on' : 'off'})`, value: Math.round(recordsPerSec), unit: 'records/s', op: '>=', target: 800_000 },
        ...(r.tokenIndex ? [{ name: 'token index size (% of indexed log)', value: r.tokenIndex.indexSizePercent, unit: '%', op: '<=', target: 5 }] : []),
      ],
      summary:
        `${fmt(recordsPerSec)} records/s, ${round1((ctx.records * VALUE_BYTES) / 1e6 / seconds)} MB/s of values` +
        (r.tokenIndex ? `; token index ${r.tokenIndex.indexSizePercent} % of the log, caught up ${r.tokenIndex.caughtUp ? `${r.tokenIndex.lagMs} ms after kcat ended` : 'NOT within 60 s'}` : '; search index off'),
    };
  },
};

const round1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
const fmt = (x) => Math.round(x).toLocaleString('en-US');
