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

// Where a member starts is auto.offset.reset, used only where the group has no committed offset. Not kcat's `-o`: in
// balanced mode kcat applies `-o` to every assignment, so after each rebalance a member would re-read its partitions
// from the beginning instead of resuming from the group's commits (that is how a run once read 3.78M records for 2M).
function member(ctx, group, { from = 'earliest', extra = [] } = {}) {
  const args = ['-b', ctx.broker.address, '-G', group, TOPIC, '-X', `auto.offset.reset=${from}`, '-q', '-X', `heartbeat.interval.ms=${HEARTBEAT_MS}`, ...extra];
  const child = spawnTracked(ctx.kcat.cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderrTail = tail(child.stderr);
  // A member whose stdout pipe fills blocks in write() and can never run its rebalance callback: always drain it.
  child.stdout.resume();
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
  const perMember = [0, 0];
  const exited = [0, 1].map((i) => {
    const m = member(ctx, group, { extra: ['-e', '-X', 'queued.min.messages=1000000'] });
    m.stdout.on('data', (chunk) => {
      for (let j = chunk.indexOf(10); j >= 0; j = chunk.indexOf(10, j + 1)) perMember[i]++;
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => m.kill('SIGKILL'), ctx.timeoutMs(expected));
      m.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(Date.now());
        else reject(new Error(`kcat -G member exited with ${code ?? signal}: ${m.stderrTail()}`));
      });
    });
  });
  // -e: each member exits once every partition it was assigned is at its end. The clock starts when the
  // coordinator declares the group stable (after the initial rebalance delay) and stops at the last exit.
  const stable = await waitStable(ctx, group, 0, ctx.timeoutMs(expected));
  const done = Math.max(...(await Promise.all(exited)));
  const lines = perMember[0] + perMember[1];
  if (lines !== expected) throw new Error(`two kcat -G members read ${lines} records; expected ${expected} exactly once`);
  const seconds = Math.max(done - stable.at, 1) / 1000;
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
      return { generation: s.generation, at: s.at, ms: starts.length ? s.at - starts[starts.length - 1] : null };
    }
    await sleep(POLL_MS);
  }
  throw new Error(`group ${group} did not become stable at a generation above ${after} within ${timeoutMs} ms. broker log:\n${ctx.broker.stderr()}`);
}

async function rebalanceTimes(ctx) {
  const group = `bench-rebalance-${process.pid}`;
  // Members start at the log end: the figure is the coordinator's work, not how long a member takes to drain a backlog.
  const a = member(ctx, group, { from: 'latest' });
  const g1 = await waitStable(ctx, group, 0); // includes the initial delay: not measured
  const b = member(ctx, group, { from: 'latest' });
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
