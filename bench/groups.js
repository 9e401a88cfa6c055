// Scenario 4 (issue 3): consumer groups. (a) Group consume throughput: two kcat balanced-consumer members (-G) share
// the 6-partition throughput topic; the clock runs from the first record to the last, so the group's initial
// rebalance delay (3 s, like Kafka) is excluded. (b) Rebalance time for a member joining and leaving a stable group,
// measured by the coordinator itself: from its "rebalancing" log line to "stable at generation N".
// Members heartbeat every 100 ms (librdkafka's default is 3 s): an existing member learns of a rebalance only through
// its next heartbeat, so with defaults a rebalance takes up to one heartbeat interval longer, as with Kafka.
import { spawnTracked, sleep, tail } from './child.js';
import { ensureThroughputData, TOPIC } from './produce.js';

const HEARTBEAT_MS = 100;
const POLL_MS = 20;

function member(ctx, group, extra = []) {
  const args = ['-b', ctx.broker.address, '-G', group, TOPIC, '-o', 'beginning', '-q', '-X', `heartbeat.interval.ms=${HEARTBEAT_MS}`, ...extra];
  const child = spawnTracked(ctx.kcat.cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderrTail = tail(child.stderr);
  return child;
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function groupThroughput(ctx, expected) {
  const group = `bench-group-${process.pid}`;
  let lines = 0;
  let first = 0n;
  let last = 0n;
  const perMember = [0, 0];
  const members = [0, 1].map((i) => {
    const m = member(ctx, group, ['-X', 'queued.min.messages=1000000']);
    m.stdout.on('data', (chunk) => {
      if (first === 0n) first = process.hrtime.bigint();
      let n = 0;
      for (let j = chunk.indexOf(10); j >= 0; j = chunk.indexOf(10, j + 1)) n++;
      lines += n;
      perMember[i] += n;
      last = process.hrtime.bigint();
    });
    return m;
  });
  const deadline = Date.now() + ctx.timeoutMs(expected);
  while (lines < expected && Date.now() < deadline) {
    for (const m of members) if (m.exitCode !== null) throw new Error(`kcat -G exited early (${m.exitCode}): ${m.stderrTail()}`);
    await sleep(POLL_MS);
  }
  await sleep(300); // anything beyond `expected` would be a duplicate
  await Promise.all(members.map(stop));
  if (lines !== expected) throw new Error(`two kcat -G members read ${lines} records; expected ${expected} exactly once`);
  const seconds = Number(last - first) / 1e9;
  return { records: lines, perMember, recordsPerSec: Math.round(lines / seconds), elapsedMs: Math.round(seconds * 1000) };
}

/** Wait until the broker log shows the group stable at a generation above `after`; returns {generation, ms}. */
async function waitStable(ctx, group, after, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  const re = new RegExp(`^(\\S+) INFO  group ${group} is stable at generation (\\d+)`, 'gm');
  const startRe = new RegExp(`^(\\S+) INFO  group ${group}: rebalancing`, 'gm');
  while (Date.now() < deadline) {
    const log = ctx.broker.stderr();
    const stable = [...log.matchAll(re)].map((m) => ({ at: Date.parse(m[1]), generation: Number(m[2]) })).filter((s) => s.generation > after);
    if (stable.length > 0) {
      const s = stable[stable.length - 1];
      const starts = [...log.matchAll(startRe)].map((m) => Date.parse(m[1])).filter((t) => t <= s.at);
      return { generation: s.generation, ms: starts.length ? s.at - starts[starts.length - 1] : null };
    }
    await sleep(POLL_MS);
  }
  throw new Error(`group ${group} did not become stable at a generation above ${after} within ${timeoutMs} ms. broker log:\n${ctx.broker.stderr()}`);
}

async function rebalanceTimes(ctx) {
  const group = `bench-rebalance-${process.pid}`;
  const a = member(ctx, group);
  const g1 = await waitStable(ctx, group, 0); // includes the initial delay: not measured
  const b = member(ctx, group);
  const join = await waitStable(ctx, group, g1.generation);
  await stop(b);
  const leave = await waitStable(ctx, group, join.generation);
  await stop(a);
  return { joinMs: join.ms, leaveMs: leave.ms, heartbeatIntervalMs: HEARTBEAT_MS };
}

export default {
  name: 'groups',
  title: 'Consumer groups (two kcat -G members; rebalance on member join and leave)',
  async run(ctx) {
    const expected = await ensureThroughputData(ctx);
    const throughput = await groupThroughput(ctx, expected);
    ctx.broker.assertAlive('group consume');
    const rebalance = await rebalanceTimes(ctx);
    return {
      metrics: { throughput, rebalance },
      checks: [
        { name: 'group consume records/s (2 kcat -G members)', value: throughput.recordsPerSec, unit: 'records/s', op: 'info' },
        { name: 'group consumed = produced (exactly once)', value: throughput.records, unit: 'records', op: '==', target: expected },
        { name: 'rebalance on member join', value: rebalance.joinMs, unit: 'ms', op: '<=', target: 1000 },
        { name: 'rebalance on member leave', value: rebalance.leaveMs, unit: 'ms', op: '<=', target: 1000 },
      ],
      summary: `group consume ${throughput.recordsPerSec.toLocaleString('en-US')} records/s (members ${throughput.perMember.join(' + ')}); rebalance join ${rebalance.joinMs} ms, leave ${rebalance.leaveMs} ms (heartbeat ${HEARTBEAT_MS} ms)`,
    };
  },
};
