// The alert log tap against a brute-force count: on a real broker with its token index, records whose level no rule
// needs are passed over undecoded (levels from the index builder), and every rule still gets exactly the records its
// query matches: mixed-level batches, levels from headers/JSON/logfmt/text/glog/nowhere, gzip batches, records
// appended across evaluations, an unindexed tail left for later and then read, and a union no gate can help (every
// record decoded) giving the same answers; many distinct queries sharing a field, each tested only on records holding
// its key literal (query-dispatch.ts), counting exactly too.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogTap, DEFER_BACKLOG_MS, type TapSubscriber } from '../../src/alerts/log-tap.js';
import { QueryDispatch } from '../../src/alerts/query-dispatch.js';
import { queryByteRequirement } from '../../src/query/language/index.js';
import { KafkaClient } from '../../src/client/index.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { allRecords, bruteForce, id } from '../query/search/corpus.js';

const TOPIC = 'tapped';
const PARTITIONS = 2;
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore '.repeat(2);
const T0 = Date.now() - 60_000;

/** Record i: the level where shape i % 6 puts it (1 in 7 an error), a service word, "timeout" in 1 of 11. */
function line(i: number): { value: string; timestamp: number; headers: [string, string][]; partition: number } {
  const level = ['info', 'warn', 'info', 'debug', 'error', 'info', 'info'][i % 7]!;
  const svc = `svc${i % 5}`;
  // Random-looking bytes too, so gzip batches still fill whole index blocks.
  const noise = Array.from({ length: 6 }, (_, k) => createHash('sha256').update(`${i}/${k}`).digest('base64')).join('');
  const msg = `${i % 11 === 0 ? 'upstream timeout' : 'served'} ${i} ${FILLER} ${noise}`;
  const headers: [string, string][] = [['host', `web-${i % 3}`]];
  let value: string;
  switch (i % 6) {
    case 0:
      value = JSON.stringify({ level: level === 'error' ? 50 : level, service: svc, msg });
      break;
    case 1:
      headers.push(['level', level.toUpperCase()]);
      value = `service=${svc} ${msg}`;
      break;
    case 2:
      value = `ts=${T0 + i} level=${level} service=${svc} msg="${msg}"`;
      break;
    case 3:
      value = `2026-12-03T10:00:00Z ${level.toUpperCase()} [${svc}] ${msg}`;
      break;
    case 4:
      value = `${level[0]!.toUpperCase()}0501 12:00:00.123456 1 main.go:12] service=${svc} ${msg}`;
      break;
    default:
      value = `service=${svc} no level ${msg}`;
  }
  return { value, timestamp: T0 + i, headers, partition: i % PARTITIONS };
}

/** Rules' queries: level alone, level and words, words alone, a level range, a negated level. */
const GATED = ['level:error', 'level:error service:svc3', '"timeout" service:svc1', 'level>=warn', '-level:info', 'level:error OR level:fatal'];
/**
 * Many distinct queries sharing a field, each keyed (query-dispatch.ts) by the literal fewest of them share: a service
 * (in JSON, logfmt, brackets), a host (a header), mixed case, with a level, with a word; and ones with no single key (an
 * OR, a level alone, a negation) that every record is tested against.
 */
const MANY = [
  ...[0, 1, 2, 3, 4].flatMap((n) => [`"timeout" service:svc${n}`, `level:error service:svc${n}`, `service:svc${n} host:web-${n % 3}`, `"upstream" service:SVC${n}`]),
  ...[0, 1, 2].map((h) => `host:web-${h} level>=warn`),
  'service:svc1 OR service:svc4',
  '-service:svc2 "timeout"',
];
/** A query that requires neither a level nor a word: no record can be passed over for it. */
const UNGATED = '-"timeout"';

let t: TestApp;
let client: KafkaClient;

beforeAll(async () => {
  t = await startApp({});
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: TOPIC, partitions: PARTITIONS } });
  client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'tap-test' });
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

function subscriber(query: string): TapSubscriber & { ids: string[] } {
  const ids: string[] = [];
  return { query, topics: [TOPIC], ready: true, ids, add: (r) => void ids.push(id(r)) };
}

function tapWith(queries: string[]) {
  const tap = new LogTap(t.app.broker.logs, new Set());
  const subs = queries.map(subscriber);
  for (const s of subs) tap.subscribe(s);
  for (let p = 0; p < PARTITIONS; p++) tap.position(TOPIC, p); // from the (empty) log's end on
  return { tap, subs };
}

async function produce(from: number, n: number, compression: 'none' | 'gzip'): Promise<void> {
  const producer = client.producer({ compression });
  for (let i = from; i < from + n; i += 150) {
    await producer.send(TOPIC, Array.from({ length: Math.min(150, from + n - i) }, (_, k) => line(i + k)));
  }
}


describe('log tap', () => {
  it('counts exactly what each query matches while passing most records over undecoded, across evaluations, gzip batches and a deferred tail', { timeout: 120_000 }, async () => {
    const gated = tapWith(GATED);
    const ungated = tapWith([...GATED, UNGATED]);
    // Dispatch by key literal, where the index has levels (a gate) and where it has none (no gate: UNGATED).
    const many = tapWith([...GATED, ...MANY]);
    const manyUngated = tapWith([...MANY, UNGATED]);
    const taps = [gated, ungated, many, manyUngated];
    const advance = async (at?: number) => {
      for (const x of taps) await x.tap.advance(-Infinity, at);
    };
    const check = async (taps: { subs: (TapSubscriber & { ids: string[] })[] }[]) => {
      const all = await allRecords(t.app.broker.logs, TOPIC, PARTITIONS);
      for (const { subs } of taps) for (const s of subs) expect([...s.ids].sort(), s.query).toEqual(bruteForce(all, s.query, 'oldest').sort());
    };

    // 1. Plain batches, mixed levels in each, enough for full blocks; the index built, then one evaluation.
    await produce(0, 12_000, 'none');
    await t.app.broker.logs.tokenIndexer!.idle();
    const now = Date.now();
    await advance(now);
    // The tail of each partition (its block not full, so not indexed) may be left for later: what was read is a prefix.
    const sofar = await allRecords(t.app.broker.logs, TOPIC, PARTITIONS);
    for (const s of gated.subs) {
      const want = new Set(bruteForce(sofar, s.query, 'oldest'));
      expect(s.ids.filter((x) => !want.has(x)), s.query).toEqual([]);
    }
    await advance(now + DEFER_BACKLOG_MS); // the wait is over: the tail is read too, decoded
    await check(taps);
    const decoded = gated.tap.stats.recordsDecoded;
    // level>=warn and -level:info want 4 in 7 records and "timeout" 1 in 11: well under all 12 000 are decoded.
    expect(decoded).toBeLessThan(12_000 * 0.8);
    expect(ungated.tap.stats.recordsDecoded).toBeGreaterThanOrEqual(12_000);

    // 2. gzip batches appended after that evaluation.
    await produce(12_000, 12_000, 'gzip');
    await t.app.broker.logs.tokenIndexer!.idle();
    const later = Date.now();
    for (const at of [later, later + DEFER_BACKLOG_MS]) await advance(at);
    await check(taps);
    expect(gated.tap.stats.recordsDecoded - decoded).toBeLessThan(12_000 * 0.8);

    // 3. A few more records: a small unindexed tail, read at once (no index levels: decoded and tested one by one).
    await produce(24_000, 40, 'none');
    await advance();
    await check(taps);
    for (const s of [...gated.subs, ...many.subs]) expect(s.ids.length, s.query).toBeGreaterThan(0);
  });

  it('keys each query by the required literal fewest queries share, and tests a record only against the queries whose key it holds', () => {
    const queries = ['"timeout" service:svc1', '"timeout" service:svc2', 'level:error service:svc1', 'level:error', 'service:svc1 OR service:svc2', '"timeout" SERVICE:SVC3'];
    const d = new QueryDispatch(queries.map((q) => queryByteRequirement(q)));
    expect(d.keyed).toBe(4); // level:error and the OR have no single required literal
    const bytes = Buffer.from('xx service=Svc1 upstream timeout yy');
    d.record(bytes, 3, bytes.length - 3);
    // svc1 (any case) is there: its queries, and the unkeyed ones; svc2 and svc3 are not, though "timeout" is.
    expect(queries.map((_, i) => d.mayMatch(i))).toEqual([true, false, true, true, true, false]);
    d.record(bytes, 0, 3); // a range without any key
    expect(queries.map((_, i) => d.mayMatch(i))).toEqual([false, false, false, true, true, false]);
  });
});
