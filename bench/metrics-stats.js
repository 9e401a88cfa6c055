// Small statistics and formatting helpers shared by the metrics benchmark's two sides.
import { readCpuSeconds, readMachineCpu } from './broker.js';
import { sleep } from './child.js';

export const round1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
export const round2 = (x) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);
export const round3 = (x) => (x === null || x === undefined ? null : Math.round(x * 1000) / 1000);

/** Nearest-rank percentile of a list of numbers. */
export function percentile(xs, p) {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/**
 * Run `once()` (resolving with { ms, series, points }) one time to warm up and then `runs` times; checks every answer
 * with `verify` and returns { medianMs, p95Ms, runsMs, series, points, bytes }.
 */
export async function repeatQuery(once, runs, verify) {
  const first = await once();
  verify(first);
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const r = await once();
    verify(r);
    ms.push(r.ms);
    await sleep(20);
  }
  return { medianMs: round1(percentile(ms, 50)), p95Ms: round1(percentile(ms, 95)), runsMs: ms.map(round1), series: first.series, points: first.points, bytes: first.bytes };
}

/** RSS growth per series in bytes (null if either reading is missing). */
export const perSeries = (before, after, series) => (before === null || after === null ? null : Math.round((after - before) / series));

/**
 * Start watching the machine while `pid` works; the returned function gives how busy the machine was (% of all
 * cores) and how much of that was neither `pid` nor the harness and its reaped children (other helpers' work, which
 * makes the figures pessimistic). Same meaning as the other scenarios' otherCpuPercent.
 */
export function machineWindow(pid) {
  const m0 = readMachineCpu();
  const p0 = readCpuSeconds(pid) ?? 0;
  const h0 = readCpuSeconds(process.pid, { children: true });
  return () => {
    const m1 = readMachineCpu();
    const total = m1.total - m0.total;
    const busy = m1.busy - m0.busy;
    const own = (readCpuSeconds(pid) ?? p0) - p0 + (readCpuSeconds(process.pid, { children: true }) - h0);
    const pct = (x) => (total > 0 ? Math.max(0, Math.round((100 * x) / total)) : null);
    return { machineBusyPercent: pct(busy), otherCpuPercent: pct(busy - own) };
  };
}
