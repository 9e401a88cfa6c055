#!/usr/bin/env node
// Issue 12: what 100 active alert rules cost ingest. Two `tributary serve` children on loopback, identical but for
// their alerts: A has none, B has 100 rules (70 log-count rules over the ingested topic, 10 metric thresholds, 10
// silent-source and 10 group-lag rules), both evaluating every second (15 × the default interval, so the cost is
// not hidden by evaluations that never happen during a short round). kcat -P sends the same file of logfmt lines
// (2 % level=error, 50 hosts) to each in turn, A/B interleaved (ABBA…), and each round is charged the CPU its server
// used from the start of kcat's run until SETTLE_MS after it ended and then until it is idle again (its token index
// built, B's alert tap done with the round's records; at most SETTLE_MAX_MS).
//
//   node bench/alerts.js            RECORDS=300000 ROUNDS=6 by default (env); QUERIES=words: see rules()
//   node bench/run.js alerts        the same as a harness scenario (BENCH_ALERTS_RECORDS, BENCH_ALERTS_ROUNDS)
//
// Each server gets one warm-up round first (not counted: the first round pays for JIT and page cache). Prints one line
// per round and the medians; figures go to BENCHMARKS.md ("Issue 12: alerts").
import { mkdirSync, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage, readCpuSeconds, startBroker } from './broker.js';
import { findKcat, killAllChildren, runCommand, sleep } from './child.js';
import { createTopic, totalEndOffset } from './kafka.js';

const TOPIC = 'app-logs';
const PARTITIONS = 3;
const INTERVAL_MS = 1000;
const WORDS = process.env.QUERIES === 'words';
/**
 * After kcat ends, each round waits this long before reading the server's CPU: one evaluation interval, plus the
 * longest the alert tap leaves records not yet in the token index for later (src/alerts/log-tap.ts DEFER_MS, 5 s),
 * plus slack, so B's round is charged all the work its records cause. A waits as long.
 */
const SETTLE_MS = Number(process.env.SETTLE_MS ?? INTERVAL_MS + 5_000 + 1_200);
/** After SETTLE_MS, a round also waits (up to this) until its server uses less than IDLE_CPU_SECONDS_PER_SECOND. */
const SETTLE_MAX_MS = 40_000;
const IDLE_CPU_SECONDS_PER_SECOND = 0.06;
/** Rules an ingest may carry at most this much CPU per record for (%), and lose at most this much throughput (%). */
export const CPU_GOAL_PERCENT = 20;
/** How long each server is watched idle, for the rules' fixed cost per second. */
const IDLE_MS = 10_000;
export const THROUGHPUT_GOAL_PERCENT = 5;

function rules() {
  const out = [];
  for (let i = 0; i < 70; i++) {
    // Different queries so no two rules could share work: a service each, some by host, some by level.
    // QUERIES=words: every query needs a word (so records without any rule's words are passed over undecoded);
    // default: a third are `level:error` alone, which no word can stand for (every record is decoded for its level).
    const query = WORDS
      ? (i % 3 === 0 ? 'error' : i % 3 === 1 ? `error service:svc${i % 20}` : `"timeout" service:svc${i % 20}`)
      : (i % 3 === 0 ? 'level:error' : i % 3 === 1 ? `level:error service:svc${i % 20}` : `"timeout" service:svc${i % 20}`);
    out.push({ id: `logs-${i}`, kind: 'log-count', query, topics: [TOPIC], by: i % 2 ? 'host' : 'level', window: '1m', threshold: 1_000_000 + i, for: '30s' }); // counted on every record, never firing: the steady cost, not a storm of notifications
  }
  for (let i = 0; i < 10; i++) out.push({ id: `cpu-${i}`, kind: 'metric-threshold', measurement: 'cpu', field: 'usage', by: ['host'], threshold: 90, for: '5m' });
  for (let i = 0; i < 10; i++) out.push({ id: `silent-${i}`, kind: 'source-silent', by: i % 2 ? 'client' : 'host', silentFor: '10m' });
  for (let i = 0; i < 10; i++) out.push({ id: `lag-${i}`, kind: 'group-lag', groups: [`workers-${i}*`], threshold: 1000 });
  return out;
}

function writeInput(path, n) {
  const fd = openSync(path, 'w');
  const lines = [];
  try {
    for (let i = 0; i < n; i++) {
      const level = i % 50 === 0 ? 'error' : i % 10 === 0 ? 'warn' : 'info';
      const msg = i % 50 === 0 ? 'upstream timeout after 30s' : 'request served';
      lines.push(`ts=2026-12-03T10:00:00Z level=${level} host=host${i % 50} service=svc${i % 20} latency_ms=${i % 997} msg="${msg} id=${i}"`);
      if (lines.length === 10_000) {
        writeSync(fd, `${lines.join('\n')}\n`);
        lines.length = 0;
      }
    }
    if (lines.length) writeSync(fd, `${lines.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * A/B rounds as described above; resolves with the medians per side and the changes (%), B against A.
 * `log(line)` gets one line per round.
 */
export async function alertsAB({ kcat, records, rounds, log = console.log }) {
  const tmp = mkdtempSync(join(tmpdir(), 'tributary-bench-alerts-'));
  const input = join(tmp, 'lines.txt');
  writeInput(input, records);
  const servers = {};
  try {
    for (const [name, alerts] of [['A', { interval: `${INTERVAL_MS}ms` }], ['B', { interval: `${INTERVAL_MS}ms`, rules: rules() }]]) {
      const dataDir = join(tmp, name, 'data');
      mkdirSync(join(tmp, name), { recursive: true });
      servers[name] = await startBroker({ dataDir, config: { alerts }, cpuProfDir: process.env.PROF_DIR ? join(process.env.PROF_DIR, name) : undefined });
      await createTopic(servers[name].address, TOPIC, PARTITIONS);
    }
    log(`alerts bench (${WORDS ? 'queries with words' : 'a third level:error alone'}): ${records} records a round, ${rounds} rounds per side after a warm-up, A = 0 rules, B = ${rules().length} rules, evaluated every ${INTERVAL_MS} ms; ${cpus().length} cores, load ${loadAverage()}`);
    // The rules' fixed cost, records or not: each server idle for IDLE_MS (evaluations only), A and B in turn.
    const idle = {};
    for (const name of ['A', 'B']) {
      const cpu0 = readCpuSeconds(servers[name].pid);
      await sleep(IDLE_MS);
      idle[name] = Math.round(((readCpuSeconds(servers[name].pid) - cpu0) * 1000) / (IDLE_MS / 1000));
    }
    log(`idle (no records): A ${idle.A} ms CPU per second, B ${idle.B} ms CPU per second`);
    const results = { A: [], B: [] };
    const order = ['A', 'B', ...Array.from({ length: rounds * 2 }, (_, i) => ((i % 4 === 0 || i % 4 === 3) ? 'A' : 'B'))];
    for (const [i, name] of order.entries()) {
      const s = servers[name];
      const before = await totalEndOffset(s.address, TOPIC);
      const cpu0 = readCpuSeconds(s.pid);
      const { elapsedMs } = await runCommand(kcat.cmd, ['-P', '-b', s.address, '-t', TOPIC, '-X', 'acks=1', '-l', input], { timeoutMs: 300_000, label: 'kcat -P' });
      await sleep(SETTLE_MS);
      // Then until the server is idle again (its index builder and B's tap done with the round), at most SETTLE_MAX_MS.
      for (let waited = SETTLE_MS, last = readCpuSeconds(s.pid); waited < SETTLE_MAX_MS; waited += 1000) {
        await sleep(1000);
        const now = readCpuSeconds(s.pid);
        if (now - last < IDLE_CPU_SECONDS_PER_SECOND) break;
        last = now;
      }
      const cpu = readCpuSeconds(s.pid) - cpu0;
      const after = await totalEndOffset(s.address, TOPIC);
      if (after.total - before.total !== records) throw new Error(`${name}: the topic grew by ${after.total - before.total} records, not ${records}`);
      const r = { recPerSec: records / (elapsedMs / 1000), cpuUsPerRecord: (cpu * 1e6) / records, load: loadAverage() };
      const warmUp = i < 2;
      if (!warmUp) results[name].push(r);
      log(`${warmUp ? 'warm-up' : `round ${i - 1}`} ${name}: ${Math.round(r.recPerSec)} records/s, ${r.cpuUsPerRecord.toFixed(2)} µs server CPU per record (until idle, ≥ ${SETTLE_MS} ms after), load ${r.load}`);
    }
    const side = (rs) => ({ recordsPerSec: Math.round(median(rs.map((r) => r.recPerSec))), cpuUsPerRecord: Math.round(median(rs.map((r) => r.cpuUsPerRecord)) * 100) / 100 });
    const a = side(results.A);
    const b = side(results.B);
    const pct = (x, y) => Math.round(((y - x) / x) * 1000) / 10;
    return { records, rounds, rules: rules().length, intervalMs: INTERVAL_MS, settleMs: SETTLE_MS, idleCpuMsPerSec: idle, noRules: a, withRules: b, throughputChangePercent: pct(a.recordsPerSec, b.recordsPerSec), cpuPerRecordChangePercent: pct(a.cpuUsPerRecord, b.cpuUsPerRecord), rounds_: results };
  } finally {
    for (const s of Object.values(servers)) await s.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const r = await alertsAB({ kcat: findKcat(), records: Number(process.env.RECORDS ?? 300_000), rounds: Number(process.env.ROUNDS ?? 6) });
  console.log(`median A (0 rules):   ${r.noRules.recordsPerSec} records/s, ${r.noRules.cpuUsPerRecord.toFixed(2)} µs CPU/record`);
  console.log(`median B (100 rules): ${r.withRules.recordsPerSec} records/s, ${r.withRules.cpuUsPerRecord.toFixed(2)} µs CPU/record`);
  console.log(`throughput change ${r.throughputChangePercent} % (goal: no worse than −${THROUGHPUT_GOAL_PERCENT} %), server CPU per record ${r.cpuPerRecordChangePercent} % (goal: under ${CPU_GOAL_PERCENT} %)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    () => killAllChildren(),
    (e) => {
      console.error(e.stack ?? String(e));
      killAllChildren();
      process.exit(1);
    },
  );
}
