// Scenario `alerts` of bench/run.js: what 100 active alert rules cost ingest, as bench/alerts.js measures it (two
// servers of their own, 0 and 100 rules, kcat -P A/B interleaved, CPU per record from /proc). The harness's broker is
// not used. BENCH_ALERTS_RECORDS (default 300000) records a round, BENCH_ALERTS_ROUNDS (default 6) rounds per side.
import { alertsAB, CPU_GOAL_PERCENT, THROUGHPUT_GOAL_PERCENT } from './alerts.js';

export default {
  name: 'alerts',
  title: 'Alerts: ingest with 0 and with 100 active rules (kcat -P, A/B interleaved, two servers)',
  async run(ctx) {
    const records = Number(process.env.BENCH_ALERTS_RECORDS ?? 300_000);
    const rounds = Number(process.env.BENCH_ALERTS_ROUNDS ?? 6);
    if (!Number.isInteger(records) || records <= 0) throw new Error(`BENCH_ALERTS_RECORDS must be a positive integer, got ${process.env.BENCH_ALERTS_RECORDS}`);
    if (!Number.isInteger(rounds) || rounds <= 0) throw new Error(`BENCH_ALERTS_ROUNDS must be a positive integer, got ${process.env.BENCH_ALERTS_ROUNDS}`);
    const r = await alertsAB({ kcat: ctx.kcat, records, rounds, log: (l) => console.log(`  ${l}`) });
    const { rounds_: perRound, ...metrics } = r;
    const n = (x) => x.toLocaleString('en-US');
    return {
      metrics: { ...metrics, perRound },
      checks: [
        { name: 'alerts: 0 rules, ingest', value: r.noRules.recordsPerSec, unit: 'records/s', op: 'info' },
        { name: 'alerts: 100 rules, ingest', value: r.withRules.recordsPerSec, unit: 'records/s', op: 'info' },
        { name: 'alerts: 0 rules, server CPU per record', value: r.noRules.cpuUsPerRecord, unit: 'µs', op: 'info' },
        { name: 'alerts: 100 rules, server CPU per record', value: r.withRules.cpuUsPerRecord, unit: 'µs', op: 'info' },
        { name: 'alerts: idle, 0 rules, server CPU per second', value: r.idleCpuMsPerSec.A, unit: 'ms', op: 'info' },
        { name: 'alerts: idle, 100 rules, server CPU per second', value: r.idleCpuMsPerSec.B, unit: 'ms', op: 'info' },
        { name: 'alerts: throughput change with 100 rules', value: r.throughputChangePercent, unit: '%', op: '>=', target: -THROUGHPUT_GOAL_PERCENT },
        { name: 'alerts: CPU per record change with 100 rules', value: r.cpuPerRecordChangePercent, unit: '%', op: '<=', target: CPU_GOAL_PERCENT },
      ],
      summary: `0 rules: ${n(r.noRules.recordsPerSec)} records/s, ${r.noRules.cpuUsPerRecord} µs CPU/record; 100 rules: ${n(r.withRules.recordsPerSec)} records/s, ${r.withRules.cpuUsPerRecord} µs CPU/record (throughput ${r.throughputChangePercent} %, CPU per record ${r.cpuPerRecordChangePercent} %)`,
    };
  },
};
