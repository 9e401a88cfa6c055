// The VictoriaMetrics side of the metrics benchmark: the same files, the same figures, the same queries as ours
// (avg per 10 s bucket of every cpu usage_user series over the last hour; avg per hour over the week).
import { join } from 'node:path';
import { sleep } from './child.js';
import { dirBytes } from './metrics-disk.js';
import { machineWindow, perSeries, repeatQuery, round1, round2, round3 } from './metrics-stats.js';
import { startVictoriaMetrics } from './victoria-metrics.js';

const MERGE_SETTLE_MS = 30_000;

/** du of the data directory once background merges stop changing it (checked every 3 s, at most 30 s). */
async function settledBytes(dir) {
  let prev = dirBytes(dir);
  const first = prev;
  const deadline = Date.now() + MERGE_SETTLE_MS;
  while (Date.now() < deadline) {
    await sleep(3_000);
    const cur = dirBytes(dir);
    if (cur.apparent === prev.apparent) break;
    prev = cur;
  }
  return { afterFlush: first, settled: prev };
}

/** Every sample the store holds whose series matches `selector`, counted by VictoriaMetrics itself. */
async function countSamples(vm, selector, data) {
  const window = Math.ceil((data.toMs - data.fromMs) / 1000) + 3600;
  // An instant query leaves out the last seconds before its time: ask a minute after the newest point.
  const at = data.toMs + 60_000;
  return {
    samples: await vm.scalar(`sum(count_over_time(${selector}[${window}s]))`, at),
    series: await vm.scalar(`count(count_over_time(${selector}[${window}s]))`, at),
  };
}

function expectSeries(what, want) {
  return (r) => {
    if (r.series !== want) throw new Error(`VictoriaMetrics ${what} returned ${r.series} series, expected ${want}`);
  };
}

/**
 * Ingest the day, flush, measure disk, RSS and the 1 h query; ingest the week, measure the 7 d query.
 * `p`: { dayFile, day, weekFile, week, cpuSeries, runs, weekStep, peer: { cmd, version } }.
 */
export async function runPeer(ctx, p) {
  const dataDir = join(ctx.tmpDir, 'victoria-metrics-data');
  const vm = await startVictoriaMetrics({ cmd: p.peer.cmd, dataDir });
  try {
    await sleep(1_000);
    const rss0 = vm.rssBytes();
    console.log(`  VictoriaMetrics pid ${vm.pid} on ${vm.base}: writing the day…`);
    const machine = machineWindow(vm.pid);
    const t0 = process.hrtime.bigint();
    const cpu0 = vm.cpuSeconds();
    const written = await vm.writeFile(p.dayFile);
    await vm.flush();
    const ingestMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpuSeconds = vm.cpuSeconds() - cpu0;
    const ingestMachine = machine();
    const rows = await vm.rowsAdded();
    if (rows !== p.day.samples) throw new Error(`VictoriaMetrics added ${rows} rows for the day's ${p.day.samples} samples`);
    const counted = await countSamples(vm, '{__name__=~".+"}', p.day);
    if (counted.samples !== p.day.samples || counted.series !== p.day.series) {
      throw new Error(`VictoriaMetrics holds ${counted.samples} samples in ${counted.series} series; the generator wrote ${p.day.samples} in ${p.day.series}`);
    }
    await sleep(2_000);
    const rss1 = vm.rssBytes();
    console.log(`  ingested ${p.day.samples.toLocaleString('en-US')} samples in ${round1(ingestMs / 1000)} s (machine ${ingestMachine.machineBusyPercent} % busy, ${ingestMachine.otherCpuPercent} % of it other work); waiting for merges to settle…`);
    const disk = await settledBytes(dataDir);

    const hourTo = p.day.toMs;
    const hour = await repeatQuery(
      () => vm.queryRange('avg_over_time(cpu_usage_user[10s])', hourTo - 3_600_000, hourTo, '10s'),
      p.runs,
      expectSeries('the 1 h query', p.cpuSeries),
    );

    // The same scan with a one-series answer: how much of the above is reading and how much is the 1,000-series JSON.
    const hourOne = await repeatQuery(
      () => vm.queryRange('avg(avg_over_time(cpu_usage_user[10s]))', hourTo - 3_600_000, hourTo, '10s'),
      p.runs,
      expectSeries('the 1 h query averaged into one series', 1),
    );

    console.log('  writing the week…');
    const weekWrite = await vm.writeFile(p.weekFile);
    await vm.flush();
    const weekCounted = await countSamples(vm, '{fleet="archive"}', p.week);
    if (weekCounted.samples !== p.week.samples) throw new Error(`VictoriaMetrics holds ${weekCounted.samples} archive samples; the generator wrote ${p.week.samples}`);
    const weekTo = p.week.toMs;
    const week = await repeatQuery(
      () => vm.queryRange(`avg_over_time(cpu_usage_user{fleet="archive"}[${p.weekStep}])`, weekTo - p.weekDays * 86_400_000, weekTo, p.weekStep),
      p.runs,
      expectSeries('the 7 d query', p.cpuSeries),
    );

    return {
      binary: p.peer.cmd,
      version: p.peer.version,
      ingest: {
        ms: round1(ingestMs),
        writeMs: round1(written.ms),
        samplesPerSec: Math.round(p.day.samples / (ingestMs / 1000)),
        cpuSeconds: round2(cpuSeconds),
        samplesPerCpuSecond: Math.round(p.day.samples / cpuSeconds),
        rowsAdded: rows,
        ...ingestMachine,
        verified: counted,
      },
      disk: {
        afterFlush: disk.afterFlush,
        settled: disk.settled,
        bytesPerSample: round3(disk.settled.apparent / p.day.samples),
        allocatedBytesPerSample: round3(disk.settled.allocated / p.day.samples),
      },
      rss: { beforeBytes: rss0, afterBytes: rss1, bytesPerSeries: perSeries(rss0, rss1, p.day.series) },
      queryHour: { query: 'avg_over_time(cpu_usage_user[10s]) step 10s', ...hour },
      queryHourOneSeries: { query: 'avg(avg_over_time(cpu_usage_user[10s])) step 10s', ...hourOne },
      weekIngest: { ms: round1(weekWrite.ms), cpuSeconds: round2(weekWrite.cpuSeconds), verified: weekCounted },
      queryWeek: { query: `avg_over_time(cpu_usage_user{fleet="archive"}[${p.weekStep}]) step ${p.weekStep}`, ...week },
    };
  } finally {
    await vm.stop();
  }
}
