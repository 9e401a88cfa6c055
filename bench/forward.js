// Forwarding throughput (issue 12), standalone: `npm run build && node bench/forward.js [records]`.
// Two in-process apps (dist/): a 6-partition source topic is filled with JSON log lines, then, one after the other in
// the same process, flows copy it whole: into a derived topic as is, into a derived topic through a query
// (`level:error`, a fifth of the records) reshaped to three fields, and to the second app's topic through a
// connection. Each is timed from its PUT until its records out reach the expected count, with the process CPU time
// over that span (both apps share the process, so the remote forward's CPU includes the receiving broker's).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.argv[2] ?? 300_000);
const PARTITIONS = 6;
const { App } = await import('../dist/src/app/app.js');
const { loadServeConfig } = await import('../dist/src/app/serve-config.js');
const { silentLogger } = await import('../dist/src/common/logger.js');
const { KafkaClient } = await import('../dist/src/client/client.js');

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-forward-'));
  const app = await App.start(loadServeConfig({ dataDir, kafka: '127.0.0.1:0', http: '127.0.0.1:0' }), silentLogger);
  const { host, port } = app.api.address();
  const k = app.broker.address();
  const call = async (method, path, body) => {
    const res = await fetch(`http://${host}:${port}${path}`, { method, headers: { authorization: `Bearer ${app.api.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body && JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { app, dataDir, call, kafka: `${k.host}:${k.port}` };
}

const local = await start();
const remote = await start();
try {
  await local.call('POST', '/api/v1/topics', { name: 'src', partitions: PARTITIONS });
  const client = new KafkaClient({ bootstrap: [local.kafka], clientId: 'bench-forward' });
  const producer = client.producer();
  const levels = ['info', 'info', 'warn', 'error', 'debug'];
  for (let i = 0; i < N; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      batch.push({ partition: j % PARTITIONS, value: JSON.stringify({ ts: 1764700000000 + j, level: levels[j % 5], host: `web-${j % 17}`, msg: `GET /api/items/${j} 200 ${j % 97}ms`, trace: `t${j.toString(16)}` }) });
    }
    await producer.send('src', batch);
  }
  await client.close();
  await local.call('PUT', '/api/v1/connections/central', { bootstrap: remote.kafka });

  const runs = [
    ['derived topic, as is', { source: { topic: 'src' }, target: { kind: 'topic', topic: 'copy' } }, N],
    ['derived topic, level:error reshaped to 3 fields', { source: { topic: 'src', query: 'level:error' }, target: { kind: 'topic', topic: 'errors', reshape: { fields: ['level', 'host', 'msg'], from: 'json' } } }, N / 5],
    ['remote forward (acks=all)', { source: { topic: 'src' }, target: { kind: 'remote', connection: 'central', topic: 'src-copy' } }, N],
  ];
  console.log(`forward: ${N} source records (${PARTITIONS} partitions), ${new Date().toISOString()}`);
  for (const [label, flow, expected] of runs) {
    const name = label.split(/[ ,]/)[0] + Math.random().toString(36).slice(2, 6);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await local.call('PUT', `/api/v1/flows/${name}`, flow);
    const deadline = Date.now() + 600_000;
    let s;
    for (;;) {
      s = await local.call('GET', `/api/v1/flows/${name}`);
      if (s.recordsOut >= expected && s.lag === 0) break;
      if (Date.now() > deadline) throw new Error(`${label}: timed out at ${s.recordsOut} of ${expected}: ${s.lastError}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    console.log(`${label.padEnd(50)} ${Math.round(N / secs).toLocaleString('en').padStart(10)} source records/s  (${s.recordsOut} out, ${s.errors} errors${s.lastError ? ` [${s.lastError}]` : ""}, ${secs.toFixed(2)} s wall, ${cpuSecs.toFixed(2)} s CPU = ${Math.round(N / cpuSecs).toLocaleString('en')} records per CPU-second)`);
    await local.call('DELETE', `/api/v1/flows/${name}`);
  }
} finally {
  await local.app.stop();
  await remote.app.stop();
  rmSync(local.dataDir, { recursive: true, force: true });
  rmSync(remote.dataDir, { recursive: true, force: true });
}
