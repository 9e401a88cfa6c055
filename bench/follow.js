// Scenario: follow throughput. The harness's broker plays the remote cluster, holding the 6-partition throughput
// topic; a second `tributary serve` follows it (connections.remote.follow) and copies it into `remote.<topic>`. Its
// rate, records/s from the follower's start until the copy's end offsets equal the source's, is set beside kcat
// consuming the same topic from the same broker in the same run (the goal: within 2x of kcat).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCpuSeconds, startBroker } from './broker.js';
import { runCommand, sleep } from './child.js';
import { ensureThroughputData, TOPIC } from './produce.js';

const POLL_MS = 50;

/** Sum of end offsets of a topic on a broker, through our own client (dist/, from `npm run build`). */
async function endOffsets(address, topic) {
  const { KafkaClient } = await import('../dist/src/client/client.js');
  const client = new KafkaClient({ bootstrap: [address], clientId: 'bench-follow', connectTimeoutMs: 3000 });
  try {
    const ends = await client.offsets.list(topic, 'latest');
    return [...ends.values()].reduce((a, b) => a + b, 0);
  } catch {
    return 0; // not created yet
  } finally {
    await client.close();
  }
}

async function kcatConsume(ctx, expected) {
  let lines = 0;
  const args = ['-C', '-b', ctx.broker.address, '-t', TOPIC, '-e', '-o', 'beginning', '-q', '-X', 'queued.min.messages=1000000'];
  const { elapsedMs } = await runCommand(ctx.kcat.cmd, args, {
    timeoutMs: ctx.timeoutMs(expected),
    label: 'kcat -C',
    onStdout: (chunk) => {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    },
  });
  if (lines !== expected) throw new Error(`kcat read ${lines} records, expected ${expected}`);
  return { elapsedMs: Math.round(elapsedMs), recordsPerSec: Math.round(expected / (elapsedMs / 1000)) };
}

async function follow(ctx, expected) {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-follow-'));
  const dataDir = join(dir, 'data');
  const remoteCpu0 = readCpuSeconds(ctx.broker.pid);
  // The connection is added through the follower's API once it runs, and timed from there: its process start-up is
  // not copying (kcat's own start, a C program, costs milliseconds).
  const local = await startBroker({ dataDir, config: {} });
  try {
    const [, url] = await local.waitForStdout(/^ui on (\S+)/, 10_000);
    const u = new URL(url);
    const token = u.searchParams.get('token');
    const started = performance.now();
    const res = await fetch(`${u.origin}/api/v1/connections/remote`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ bootstrap: ctx.broker.address, follow: [TOPIC], group: 'bench-follow' }),
    });
    if (res.status !== 200) throw new Error(`adding the connection failed: ${res.status} ${await res.text()}`);
    const target = `remote.${TOPIC}`;
    const deadline = Date.now() + ctx.timeoutMs(expected);
    let copied = 0;
    while (copied < expected) {
      if (Date.now() > deadline) throw new Error(`the follow copied ${copied} of ${expected} records in time`);
      local.assertAlive('follow');
      await sleep(POLL_MS);
      copied = await endOffsets(local.address, target);
    }
    const elapsedMs = performance.now() - started;
    const localCpu = readCpuSeconds(local.pid);
    const remoteCpu = readCpuSeconds(ctx.broker.pid) - remoteCpu0;
    return {
      elapsedMs: Math.round(elapsedMs),
      recordsPerSec: Math.round(expected / (elapsedMs / 1000)),
      followerCpuSeconds: Math.round(localCpu * 100) / 100,
      followerPeakRssMB: Math.round((local.peakRss / 2 ** 20) * 10) / 10,
      remoteCpuSeconds: Math.round(remoteCpu * 100) / 100,
    };
  } finally {
    local.child.kill('SIGTERM');
    await new Promise((r) => local.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

export default {
  name: 'follow',
  title: 'Follow throughput (a second serve copies the 6-partition topic from this broker, beside kcat -C)',
  async run(ctx) {
    const expected = await ensureThroughputData(ctx);
    // kcat first, then the follow, then kcat again: the machine's drift shows in the two kcat figures.
    const kcat1 = await kcatConsume(ctx, expected);
    const f = await follow(ctx, expected);
    const kcat2 = await kcatConsume(ctx, expected);
    const kcatBest = Math.max(kcat1.recordsPerSec, kcat2.recordsPerSec);
    const ratio = Math.round((kcatBest / f.recordsPerSec) * 100) / 100;
    return {
      metrics: { records: expected, follow: f, kcat: [kcat1, kcat2], kcatOverFollow: ratio },
      checks: [
        { name: 'follow records/s', value: f.recordsPerSec, unit: 'records/s', op: 'info' },
        { name: 'kcat records/s / follow records/s', value: ratio, unit: 'x', op: '<=', target: 2 },
      ],
      summary: `follow ${f.recordsPerSec.toLocaleString('en-US')} records/s (${f.elapsedMs} ms for ${expected.toLocaleString('en-US')}, follower CPU ${f.followerCpuSeconds} s); kcat ${kcat1.recordsPerSec.toLocaleString('en-US')} / ${kcat2.recordsPerSec.toLocaleString('en-US')} records/s; kcat is ${ratio}x the follow`,
    };
  },
};
