// An in-process broker with ingest configured, on 127.0.0.1:0 everywhere, and reading back what was stored through
// the broker's own Fetch API (test/helpers/read-partition.ts), so tests see records exactly as consumers will.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app/app.js';
import type { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { parseIngestConfig } from '../../src/ingest/config.js';
import type { Ingest, ListenerInfo } from '../../src/ingest/index.js';
import type { DecodedRecord } from '../../src/protocol/record-decoder.js';
import { readRecords } from '../helpers/read-partition.js';
import { waitUntil } from '../helpers/wait-until.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { WireClient } from '../helpers/wire-client.js';

export { memoryLogger };

export interface IngestBroker {
  broker: Broker;
  /** The app's ingest (null when `ingest` configures nothing). */
  ingest: Ingest | null;
  client: WireClient;
  log: ReturnType<typeof memoryLogger>;
  listener(name: ListenerInfo['name']): ListenerInfo;
  /** Every record of every partition of the topic, decoded, with its partition. */
  records(topic: string): Promise<(DecodedRecord & { partition: number })[]>;
  /** Waits (bounded) until the topic holds `n` records and returns them. */
  waitForRecords(topic: string, n: number, timeoutMs?: number): Promise<(DecodedRecord & { partition: number })[]>;
  /** Stops the app (ingest, then the broker) and keeps the data directory, for a restart over it. */
  shutdown(): Promise<void>;
  /** shutdown(), then removes the data directory. */
  stop(): Promise<void>;
}

export async function startIngestBroker(
  ingest: unknown,
  { dataDir, ...extra }: { dataDir?: string; defaultPartitions?: number; autoCreateTopics?: boolean } = {},
): Promise<IngestBroker> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-ingest-'));
  const log = memoryLogger();
  const app = await App.start({ broker: { ...loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), ...extra }, ingest: parseIngestConfig(ingest) }, log);
  const { broker } = app;
  const client = await WireClient.connect(broker.address().port);
  const shutdown = async () => {
    client.close();
    await app.stop();
  };
  const records = async (topic: string) => {
    const info = broker.logs.getTopic(topic);
    if (!info) return [];
    const out: (DecodedRecord & { partition: number })[] = [];
    for (let p = 0; p < info.partitions; p++) {
      for (const r of (await readRecords(client, topic, p)).records) out.push({ ...r, partition: p });
    }
    return out;
  };
  return {
    broker,
    ingest: app.ingest,
    client,
    log,
    listener(name) {
      const l = app.listeners().find((x) => x.name === name);
      if (!l) throw new Error(`no ${name} listener`);
      return l;
    },
    records,
    async waitForRecords(topic, n, timeoutMs = 10_000) {
      let got: (DecodedRecord & { partition: number })[] = [];
      await waitUntil(`${n} records in topic ${topic}`, async () => (got = await records(topic)).length >= n, {
        timeoutMs,
        intervalMs: 20,
        details: () => `got ${got.length}: ${got.slice(-5).map((r) => r.value?.toString()).join(' | ')}`,
      });
      return got;
    },
    shutdown,
    async stop() {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Headers of a decoded record as an object. */
export function headersOf(r: DecodedRecord): Record<string, string> {
  return Object.fromEntries(r.headers.map(([k, v]) => [k, v?.toString() ?? '']));
}
