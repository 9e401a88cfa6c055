// Tributary benchmark harness: `npm run bench` (all scenarios) or `node bench/run.js [produce] [consume] [follow] [forward] [latency] [groups] [syslog] [agent] [hostile-ingest] [idle-connections] [hostile-fetch] [search] [metrics] [ui] [alerts]`.
// Starts one broker on 127.0.0.1:0 with a throwaway data directory, runs the scenarios against it, prints a table,
// writes bench/results/latest.json and always cleans up the broker, its children and the temp directory.
// Environment: BENCH_RECORDS (default 2000000), BENCH_LATENCY_RATE (10000), BENCH_LATENCY_SECONDS (10),
// BENCH_CPU_PROF=1 (profile the broker; summary printed and saved), BENCH_STRICT=1 (exit 1 when a target is missed),
// BENCH_WAIT_IDLE (seconds to wait for an idle machine before each scenario, default 30; 0 = don't), KCAT (kcat path),
// BENCH_SYSLOG_MESSAGES (messages per rate step of the syslog scenario, default 200000), BENCH_AGENT_LINES (lines the agent
// scenario ships, default 1000000), BENCH_SEARCH_INDEX=0 (run the broker with searchIndex off, to compare produce
// throughput with the token index on and off), BENCH_SEARCH_MB (MB of log lines the search scenario generates, default 1024),
// BENCH_TAIL_SECONDS (seconds of each tail latency run, default 10), BENCH_SEARCH_COMPARE_OFF=0 (skip its index-off broker),
// BENCH_METRICS_* and VICTORIA_METRICS (the metrics scenario against VictoriaMetrics: see bench/metrics.js), BENCH_UI_* and
// CHROMIUM (the UI in Chromium: see bench/ui.js; needs `npm run build`'s renderer/dist), BENCH_ALERTS_RECORDS and
// BENCH_ALERTS_ROUNDS (the alerts scenario: see bench/alerts-scenario.js).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMachineCpu, startBroker } from './broker.js';
import agent from './agent.js';
import alerts from './alerts-scenario.js';
import { findKcat, killAllChildren, sleep } from './child.js';
import consume from './consume.js';
import follow from './follow.js';
import forward from './forward.js';
import groups from './groups.js';
import { hostileFetch, hostileIngest, idleConnectionsScenario } from './hostile.js';
import latency from './latency.js';
import metrics from './metrics.js';
import produce from './produce.js';
import search from './search.js';
import syslog from './syslog.js';
import ui from './ui.js';
import { formatProfile, summarizeProfile } from './profile-summary.js';
import { searchIndexOn } from './token-index.js';

const SCENARIOS = [produce, consume, follow, forward, latency, groups, syslog, agent, hostileIngest, idleConnectionsScenario, hostileFetch, search, metrics, ui, alerts];
const NEEDS_KCAT = new Set(['produce', 'consume', 'follow', 'forward', 'groups', 'search', 'metrics', 'ui', 'alerts']);
const PEAK_RSS_TARGET_MB = 250;
/** Before each scenario, wait for the machine to be less busy than this (% of all CPUs), up to BENCH_WAIT_IDLE s. */
const QUIET_BUSY_PERCENT = 15;
/** Warn when processes other than the broker and the harness used this much of the machine during a scenario. */
const DISTURBED_PERCENT = 10;
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

function selectScenarios(argv) {
  if (argv.length === 0) return SCENARIOS;
  const unknown = argv.filter((a) => !SCENARIOS.some((s) => s.name === a));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return SCENARIOS.filter((s) => argv.includes(s.name));
}

function machine(kcat) {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return {
    cpus: availableParallelism(),
    cpuModel: model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    kcat: kcat?.version ?? null,
    date: new Date().toISOString(),
  };
}

const pass = (c) => {
  if (c.op === 'info') return true;
  return c.op === '>=' ? c.value >= c.target : c.op === '<=' ? c.value <= c.target : c.value === c.target;
};
const OPS = { '>=': '≥', '<=': '≤', '==': '=' };
const num = (x) => (typeof x === 'number' ? x.toLocaleString('en-US') : String(x));

function printTable(rows) {
  const head = ['check', 'measured', 'target', ''];
  const body = rows.map((c) => [
    c.name,
    `${num(c.value)} ${c.unit}`.trim(),
    c.op === 'info' ? '(no target)' : `${OPS[c.op]} ${num(c.target)} ${c.unit}`.trim(),
    c.error ? 'ERROR' : c.op === 'info' ? '' : pass(c) ? 'ok' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

/**
 * Wait (at most maxSeconds, in 1 s samples) until the whole machine is below QUIET_BUSY_PERCENT busy, so that other
 * work on it (builds, tests) does not leak into the figures. Returns the last sample's busy %.
 */
async function waitForQuiet(maxSeconds) {
  let busy = null;
  for (let i = 0; i < maxSeconds; i++) {
    const a = readMachineCpu();
    await sleep(1000);
    const b = readMachineCpu();
    busy = Math.round((100 * (b.busy - a.busy)) / Math.max(b.total - a.total, 1e-9));
    if (busy < QUIET_BUSY_PERCENT) return busy;
    if (i === 0) console.log(`  waiting up to ${maxSeconds} s for the machine to go quiet (${busy}% busy)…`);
  }
  if (busy !== null) console.log(`  machine still ${busy}% busy; running anyway`);
  return busy;
}

/** Every number stored under `key` anywhere in a nested result object. */
function valuesOf(obj, key) {
  if (!obj || typeof obj !== 'object') return [];
  return Object.entries(obj).flatMap(([k, v]) => (k === key && typeof v === 'number' ? [v] : valuesOf(v, key)));
}

function newestProfile(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  files.sort((a, b) => statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs);
  return files[0] ? join(dir, files[0]) : null;
}

async function main() {
  const selected = selectScenarios(process.argv.slice(2));
  const kcat = selected.some((s) => NEEDS_KCAT.has(s.name)) ? findKcat() : null;
  const records = Number(process.env.BENCH_RECORDS ?? 2_000_000);
  if (!Number.isInteger(records) || records <= 0) throw new Error(`BENCH_RECORDS must be a positive integer, got ${process.env.BENCH_RECORDS}`);
  const cpuProfDir = process.env.BENCH_CPU_PROF === '1' ? join(RESULTS, 'profiles') : null;
  const waitIdle = Number(process.env.BENCH_WAIT_IDLE ?? 30);
  mkdirSync(cpuProfDir ?? RESULTS, { recursive: true });

  const tmpDir = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const cleanup = () => {
    killAllChildren();
    rmSync(tmpDir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      console.error(`\n${sig}: stopping the broker and removing ${tmpDir}`);
      process.exit(130);
    });
  }

  const info = machine(kcat);
  console.log(
    `Tributary bench: ${selected.map((s) => s.name).join(', ')} | ${num(records)} records | search index ${searchIndexOn() ? 'on' : 'off'} | ${info.cpus} CPUs ${info.cpuModel} | node ${info.node}${kcat ? ` | kcat ${kcat.version}` : ''}`,
  );
  // Scenarios may add broker config (e.g. syslog adds an ingest listener); only the selected ones do.
  const config = { defaultPartitions: 6, searchIndex: searchIndexOn() };
  for (const s of selected) {
    for (const [k, v] of Object.entries(s.brokerConfig ?? {})) config[k] = k === 'ingest' ? { ...config.ingest, ...v } : v;
  }
  const broker = await startBroker({ dataDir: join(tmpDir, 'data'), config, cpuProfDir });
  console.log(`broker pid ${broker.pid} on ${broker.address}, data in ${tmpDir}`);
  const ctx = { broker, kcat, records, tmpDir, state: {}, timeoutMs: (n) => 60_000 + Math.ceil(n / 10) };

  const results = {};
  const rows = [];
  let failed = false;
  for (const s of selected) {
    console.log(`\n▶ ${s.title}`);
    const busyBefore = await waitForQuiet(waitIdle);
    try {
      const r = await s.run(ctx);
      results[s.name] = { title: s.title, machineBusyPercentBefore: busyBefore, ...r.metrics, checks: r.checks.map((c) => ({ ...c, pass: pass(c) })) };
      rows.push(...r.checks);
      console.log(`  ${r.summary}`);
    } catch (err) {
      failed = true;
      const died = broker.exitStatus();
      const e = died ? new Error(`the broker exited (${died.code ?? died.signal}) — ${err.message}\nbroker stderr:\n${broker.stderr()}`) : err;
      results[s.name] = { title: s.title, error: e.message };
      rows.push({ name: s.name, value: 'failed', unit: '', op: '==', target: 'success', error: true });
      console.error(`  FAILED: ${e.message}`);
      if (broker.exitStatus()) break;
    }
  }

  const mem = broker.memory();
  const stopped = await broker.stop();
  if (stopped.hung) console.error('broker did not shut down within 15 s of SIGTERM and was killed');
  // VmHWM is the kernel's exact peak; if the broker already died, fall back to the 100 ms RSS samples.
  const hwm = mem.vmHwmBytes ?? mem.sampledPeakRssBytes;
  const peakMB = Math.round((hwm / 2 ** 20) * 10) / 10;
  const rssCheck = { name: `broker peak RSS (${mem.vmHwmBytes === null ? 'sampled' : 'VmHWM'})`, value: peakMB, unit: 'MB', op: '<=', target: PEAK_RSS_TARGET_MB };
  rows.push(rssCheck);
  results.memory = { vmHwmMB: mem.vmHwmBytes === null ? null : peakMB, sampledPeakRssMB: Math.round((mem.sampledPeakRssBytes / 2 ** 20) * 10) / 10, checks: [{ ...rssCheck, pass: pass(rssCheck) }] };

  let profile = null;
  if (cpuProfDir) {
    const file = newestProfile(cpuProfDir);
    if (file) {
      profile = { file, ...summarizeProfile(file) };
      console.log(`\nbroker CPU profile ${file}\n${formatProfile(profile)}`);
    } else console.error(`no .cpuprofile was written to ${cpuProfDir} (did the broker shut down cleanly?)`);
  }

  console.log('');
  printTable(rows);
  const other = Math.max(0, ...valuesOf(results, 'otherCpuPercent'));
  if (other >= DISTURBED_PERCENT) {
    console.log(`\nwarning: other processes used up to ${other}% of the machine's ${info.cpus} CPUs during a scenario (otherCpuPercent in latest.json); those figures are pessimistic and noisy — rerun on a quiet machine`);
  }
  const out = { machine: info, records, searchIndex: searchIndexOn(), scenarios: results, brokerProfile: profile, brokerExit: stopped };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nresults written to ${join(RESULTS, 'latest.json')}`);
  const missed = rows.some((c) => !c.error && !pass(c));
  return failed || (missed && process.env.BENCH_STRICT === '1') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench: ${e.message}`);
    process.exit(1);
  },
);
