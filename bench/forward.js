// Scenario: forwarding throughput (issue 12), `node bench/run.js forward`. Flows on the harness's broker copy the
// 6-partition throughput topic whole, one after another: into a derived topic as is, to a second `tributary serve`'s
// topic through a connection (acks=all), and to a rotated NDJSON file (each write fsynced). Each is timed from its
// `PUT /api/v1/flows/{name}` until its records out reach the topic's count with no lag, with the CPU seconds of each
// broker over that span. Peers in the same run: the remote forward beside `kcat -C | kcat -P` from this broker to the
// second (before and after it, so the machine's drift shows), the file beside `kcat -C -J > file` (JSON envelopes,
// like the capture format; kcat does not fsync). The derived topic has no peer (nothing else copies a topic inside
// one broker).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCpuSeconds, startBroker } from './broker.js';
import { runCommand, sleep } from './child.js';
import { createTopic, totalEndOffset } from './kafka.js';
import { ensureThroughputData, TOPIC } from './produce.js';

const POLL_MS = 100;
const FILE_DIR = 'bench-forward';

/** The harness broker's HTTP API, from its `ui on URL?token=…` line. */
async function apiOf(broker) {
  const [, url] = await broker.waitForStdout(/^ui on (\S+)/, 10_000);
  const u = new URL(url);
  const token = u.searchParams.get('token');
  return async (method, path, body) => {
    const res = await fetch(`${u.origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body && JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** CPU seconds of the harness's reaped children (the kcat pipes), without the harness's own. */
function childrenCpu() {
  return readCpuSeconds(process.pid, { children: true }) - readCpuSeconds(process.pid);
}

const round2 = (x) => Math.round(x * 100) / 100;
const perRecordUs = (cpuSeconds, n) => Math.round((cpuSeconds * 1e6 * 10) / n) / 10;

/** One flow copying the whole topic: records/s and CPU over the span from its PUT until it has caught up. */
async function timeFlow(ctx, call, remote, name, target, expected) {
  const local0 = readCpuSeconds(ctx.broker.pid);
  const remote0 = remote ? readCpuSeconds(remote.pid) : 0;
  const started = performance.now();
  await call('PUT', `/api/v1/flows/${name}`, { source: { topic: TOPIC }, target });
  const deadline = Date.now() + ctx.timeoutMs(expected);
  let s;
  for (;;) {
    ctx.broker.assertAlive(`flow ${name}`);
    s = await call('GET', `/api/v1/flows/${name}`);
    if (s.recordsOut >= expected && s.lag === 0) break;
    if (Date.now() > deadline) throw new Error(`flow ${name} wrote ${s.recordsOut} of ${expected} in time (${s.lastError ?? 'no error'})`);
    await sleep(POLL_MS);
  }
  const elapsedMs = performance.now() - started;
  const localCpu = readCpuSeconds(ctx.broker.pid) - local0;
  const remoteCpu = remote ? readCpuSeconds(remote.pid) - remote0 : null;
  await call('DELETE', `/api/v1/flows/${name}`);
  if (s.recordsOut !== expected || s.errors !== 0) throw new Error(`flow ${name}: ${s.recordsOut} records out (expected ${expected}), ${s.errors} errors: ${s.lastError}`);
  return {
    elapsedMs: Math.round(elapsedMs),
    recordsPerSec: Math.round(expected / (elapsedMs / 1000)),
    brokerCpuSeconds: round2(localCpu),
    brokerCpuUsPerRecord: perRecordUs(localCpu, expected),
    ...(remote ? { remoteCpuSeconds: round2(remoteCpu), remoteCpuUsPerRecord: perRecordUs(remoteCpu, expected) } : {}),
  };
}

/** A kcat shell pipeline over the whole topic, with the CPU of kcat itself and of both brokers over its span. */
async function timeKcat(ctx, remote, label, script, expected) {
  const kcat0 = childrenCpu();
  const local0 = readCpuSeconds(ctx.broker.pid);
  const remote0 = remote ? readCpuSeconds(remote.pid) : 0;
  const { elapsedMs } = await runCommand('/bin/sh', ['-c', script], { timeoutMs: ctx.timeoutMs(expected), label });
  const kcatCpu = childrenCpu() - kcat0;
  const localCpu = readCpuSeconds(ctx.broker.pid) - local0;
  const remoteCpu = remote ? readCpuSeconds(remote.pid) - remote0 : null;
  return {
    elapsedMs: Math.round(elapsedMs),
    recordsPerSec: Math.round(expected / (elapsedMs / 1000)),
    kcatCpuSeconds: round2(kcatCpu),
    kcatCpuUsPerRecord: perRecordUs(kcatCpu, expected),
    brokerCpuSeconds: round2(localCpu),
    ...(remote ? { remoteCpuSeconds: round2(remoteCpu), remoteCpuUsPerRecord: perRecordUs(remoteCpu, expected) } : {}),
  };
}

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

export default {
  name: 'forward',
  title: 'Forwarding (flows copy the 6-partition topic to a derived topic, a second serve and an NDJSON file, beside kcat pipes)',
  async run(ctx) {
    const expected = await ensureThroughputData(ctx);
    const call = await apiOf(ctx.broker);
    const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-forward-'));
    const remote = await startBroker({ dataDir: join(dir, 'data'), config: {} });
    const kcat = ctx.kcat.cmd;
    const consume = `${q(kcat)} -C -b ${ctx.broker.address} -t ${TOPIC} -e -o beginning -q -X queued.min.messages=1000000`;
    const pipeTo = (topic) => `${consume} | ${q(kcat)} -P -b ${remote.address} -t ${topic} -X acks=all`;
    try {
      await call('PUT', '/api/v1/connections/central', { bootstrap: remote.address });
      // kcat's pipe into pre-made 6-partition topics, before and after the flow.
      for (const t of ['kcat-copy-1', 'kcat-copy-2']) await createTopic(remote.address, t, 6);
      const pipe1 = await timeKcat(ctx, remote, 'kcat -C | kcat -P', pipeTo('kcat-copy-1'), expected);
      const remoteFlow = await timeFlow(ctx, call, remote, 'bench-remote', { kind: 'remote', connection: 'central', topic: 'forwarded' }, expected);
      const pipe2 = await timeKcat(ctx, remote, 'kcat -C | kcat -P', pipeTo('kcat-copy-2'), expected);
      for (const t of ['forwarded', 'kcat-copy-1', 'kcat-copy-2']) {
        const got = (await totalEndOffset(remote.address, t)).total;
        if (got !== expected) throw new Error(`the second broker's ${t} holds ${got} records, expected ${expected}`);
      }
      const derived = await timeFlow(ctx, call, null, 'bench-derived', { kind: 'topic', topic: 'bench-forward-copy' }, expected);
      const file = await timeFlow(ctx, call, null, 'bench-file', { kind: 'file', path: `${FILE_DIR}/out.ndjson`, maxBytes: 256 * 2 ** 20, keep: 20 }, expected);
      const kcatFile = join(dir, 'kcat.ndjson');
      const kcatJson = await timeKcat(ctx, null, 'kcat -C -J > file', `${consume} -J > ${q(kcatFile)}`, expected);
      kcatJson.fileBytes = statSync(kcatFile).size;
      const best = Math.max(pipe1.recordsPerSec, pipe2.recordsPerSec);
      const ratio = round2(best / remoteFlow.recordsPerSec);
      const fileRatio = round2(kcatJson.recordsPerSec / file.recordsPerSec);
      const n = (x) => x.toLocaleString('en-US');
      return {
        metrics: { records: expected, derived, remote: remoteFlow, kcatPipe: [pipe1, pipe2], file, kcatJsonFile: kcatJson, kcatPipeOverRemote: ratio, kcatJsonOverFile: fileRatio },
        checks: [
          { name: 'forward: derived topic records/s', value: derived.recordsPerSec, unit: 'records/s', op: 'info' },
          { name: 'forward: remote topic records/s', value: remoteFlow.recordsPerSec, unit: 'records/s', op: 'info' },
          { name: 'forward: kcat -C | kcat -P / remote flow', value: ratio, unit: 'x', op: 'info' },
          { name: 'forward: file records/s', value: file.recordsPerSec, unit: 'records/s', op: 'info' },
          { name: 'forward: kcat -C -J > file / file flow', value: fileRatio, unit: 'x', op: 'info' },
        ],
        summary:
          `derived ${n(derived.recordsPerSec)} records/s (${derived.brokerCpuUsPerRecord} µs CPU/record); ` +
          `remote ${n(remoteFlow.recordsPerSec)} records/s (${remoteFlow.brokerCpuUsPerRecord} µs/record here, ${remoteFlow.remoteCpuUsPerRecord} on the receiver), kcat pipe ${n(pipe1.recordsPerSec)} / ${n(pipe2.recordsPerSec)} records/s (kcat ${pipe1.kcatCpuUsPerRecord} / ${pipe2.kcatCpuUsPerRecord} µs/record); ` +
          `file ${n(file.recordsPerSec)} records/s (${file.brokerCpuUsPerRecord} µs/record), kcat -J > file ${n(kcatJson.recordsPerSec)} records/s (kcat ${kcatJson.kcatCpuUsPerRecord} µs/record)`,
      };
    } finally {
      await call('DELETE', '/api/v1/connections/central').catch(() => undefined);
      await call('DELETE', '/api/v1/topics/bench-forward-copy').catch(() => undefined);
      rmSync(join(ctx.broker.dataDir, FILE_DIR), { recursive: true, force: true });
      await remote.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
