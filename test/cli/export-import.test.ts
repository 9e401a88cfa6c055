// A capture taken home and replayed: `tributary export` writes a topic (or what a query or a time window picks) to a
// file, `tributary import` writes it into another topic, and every record comes back the same: partition, order,
// key, value and header bytes (binary ones too), repeated and null headers, timestamps. kcat's -J output imports too.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/client.js';
import type { ProducerRecord } from '../../src/client/producer.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { assertOk, runTool } from '../helpers/run-tool.js';
import { readTopicHex } from '../helpers/read-topic-hex.js';

const kcatAvailable = requireTools(KCAT);
let broker: BrokerProcess;
let client: KafkaClient;
let dir: string;
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

const readAll = (topic: string) => readTopicHex(client, topic);

const cli = (args: string[], input?: string) => runCli(args, { bootstrap: broker.bootstrap, input });

beforeAll(async () => {
  broker = await startBroker();
  client = new KafkaClient({ bootstrap: [broker.bootstrap], clientId: 'export-import-test' });
  dir = mkdtempSync(join(tmpdir(), 'tributary-capture-'));
  assertOk(await cli(['topics', 'create', 'src', '--partitions', '3']), 'create src');
  const producer = client.producer();
  for (let p = 0; p < 3; p++) {
    const records: ProducerRecord[] = Array.from({ length: 40 }, (_, i) => {
      const n = p * 100 + i;
      const level = i % 10 === 0 ? 'error' : 'info';
      return {
        partition: p,
        timestamp: T0 + n * 1000,
        // Every 7th record carries bytes that are not UTF-8 (a JSON string could not hold them).
        key: i % 7 === 0 ? Buffer.from([0xff, 0x00, 0xfe, n & 0xff]) : i % 5 === 0 ? null : `k${n}`,
        value: i % 7 === 3 ? Buffer.from([0xc3, 0x28, 0x80, n & 0xff]) : i % 11 === 0 ? null : JSON.stringify({ level, n, msg: `request ${n}` }),
        headers: [['trace', `t${n}`], ['trace', 'again'], ['bin', Buffer.from([0x80, 0x81])], ['none', null]],
      };
    });
    await producer.send('src', records);
  }
}, 60_000);
afterAll(async () => {
  await client?.close();
  await stopAllBrokers();
  rmSync(dir, { recursive: true, force: true });
});

describe('tributary export | import', () => {
  it('restores every record of a topic exactly: partitions, order, bytes, repeated and null headers, timestamps', async () => {
    const file = join(dir, 'all.ndjson');
    const ex = assertOk(await cli(['export', '--topic', 'src', '--output', file]), 'export');
    expect(ex.stderr).toMatch(/exported 120 records from src to /);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(120);
    // The file does not overwrite what is there.
    const again = await cli(['export', '--topic', 'src', '--output', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cannot write .*EEXIST|exists/);

    const missing = await cli(['import', file, '--topic', 'dst']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/topic "dst" does not exist — create it first, .*: tributary topics create dst --partitions N/);
    assertOk(await cli(['topics', 'create', 'dst', '--partitions', '3']), 'create dst');
    const im = assertOk(await cli(['import', file, '--topic', 'dst']), 'import');
    expect(im.stderr).toMatch(/imported 120 records \(120 into dst\)/);
    const [src, dst] = [await readAll('src'), await readAll('dst')];
    expect(src).toHaveLength(120);
    expect(dst).toEqual(src);
  }, 120_000);

  it('exports what a query matches within a time window, and imports it by key into a topic with fewer partitions', async () => {
    const file = join(dir, 'errors.ndjson');
    // Partition 1 holds n = 100…139 at T0 + n s; errors are every 10th: n = 100, 110, 120, 130. 100 is before the
    // window; 110's value is the binary one (i = 10: 10 % 7 = 3), not JSON, so it has no level.
    const since = new Date(T0 + 105_000).toISOString();
    const until = String(T0 + 130_000);
    assertOk(await cli(['export', '--topic', 'src', '--query', 'level:error', '--since', since, '--until', until, '--output', file]), 'export');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => JSON.parse(l.value).n)).toEqual([120, 130]);
    expect(lines.every((l) => l.topic === 'src' && l.partition === 1)).toBe(true);

    assertOk(await cli(['topics', 'create', 'one']), 'create one');
    const refused = await cli(['import', file, '--topic', 'one']);
    expect(refused.stderr).toMatch(/records of partition 1 but topic "one" has 1 partition; .*--partitions key/);
    assertOk(await cli(['import', file, '--topic', 'one', '--partitions', 'key']), 'import by key');
    const got = await readAll('one');
    expect(got.map((r) => r.timestamp)).toEqual([T0 + 120_000, T0 + 130_000]);
  }, 120_000);

  it('a bad line stops the import with its line number and what went before it', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, `${JSON.stringify({ topic: 'one', value: 'fine' })}\n{"topic": "one", "value": \n`);
    const r = await cli(['import', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 2: not JSON/);
    const q = await cli(['export', '--topic', 'src', '--query', 'level:(']);
    expect(q.code).toBe(2);
  }, 60_000);

  it.skipIf(!kcatAvailable)("imports kcat's -J output: keys, headers and timestamps", async () => {
    assertOk(await cli(['topics', 'create', 'kc', '--partitions', '2']), 'create kc');
    const lines = Array.from({ length: 30 }, (_, i) => `key-${i % 4}|{"n":${i},"msg":"from kcat ${i}"}`);
    assertOk(await runTool('kcat', ['-P', '-b', broker.bootstrap, '-t', 'kc', '-K', '|', '-H', 'origin=kcat', '-H', 'run=1'], { input: `${lines.join('\n')}\n` }), 'kcat -P');
    const out = assertOk(await runTool('kcat', ['-C', '-b', broker.bootstrap, '-t', 'kc', '-o', 'beginning', '-e', '-J']), 'kcat -J');
    assertOk(await cli(['topics', 'create', 'from-kcat', '--partitions', '2']), 'create');
    assertOk(await cli(['import', '-', '--topic', 'from-kcat'], out.stdout), 'import kcat -J');
    const [src, got] = [await readAll('kc'), await readAll('from-kcat')];
    expect(src).toHaveLength(30);
    expect(got).toEqual(src);
  }, 60_000);
});
