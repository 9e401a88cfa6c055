// Scenarios: what hostile clients cost the broker. Three attacks (hostile-fetch, hostile-ingest, idle-connections), each measured from outside while
// a probe client sends ApiVersions every PROBE_EVERY_MS on its own connection (its worst round trip is how long the
// broker's event loop could not answer anyone):
//   1. one Fetch v4 naming partition 0 FETCH_REPEATS times, 64 MiB per partition and for the response, against a
//      partition holding FILL_MIB MiB — the request that once drove the broker to 12.6 GB;
//   2. one HTTP ingest body holding a Prometheus sample whose value has PROM_DIGITS digits — once 25 s of parsing;
//   3. IDLE_CONNECTIONS idle TCP connections held for IDLE_HOLD_MS.
// Reported per attack: the broker's peak RSS (sampled every RSS_EVERY_MS) and its growth over the baseline, the probe's
// worst round trip, and how the attack was answered. A broker above RSS_KILL_BYTES is killed (the figure then says so).
import { connect } from 'node:net';
import { request } from 'node:http';
import { readMemory } from './broker.js';
import { sleep } from './child.js';
import { createTopic, kafkaClient } from './kafka.js';
import { loadCodec } from './wire.js';

export const TOPIC = 'bench-hostile';
const FILL_MIB = 16;
const FETCH_REPEATS = 5_000;
const FETCH_LIMIT = 64 * 1024 * 1024;
const PROM_DIGITS = 200_000;
const IDLE_CONNECTIONS = 1_000;
const IDLE_HOLD_MS = 5_000;
const PROBE_EVERY_MS = 5;
const RSS_EVERY_MS = 20;
const RSS_KILL_BYTES = 4 * 1024 ** 3;
const ATTACK_TIMEOUT_MS = 120_000;
const MB = 2 ** 20;

/** ApiVersions v0 round trips on one connection, one in flight, every PROBE_EVERY_MS; `stop()` gives the worst. */
async function startProbe(codec, port) {
  const sock = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  sock.on('error', () => {});
  const frame = codec.frame('ApiVersions', 0, {});
  let sentAt = 0;
  let worst = 0;
  let answered = 0;
  let pending = Buffer.alloc(0);
  let stopped = false;
  let timer = null;
  const send = () => {
    if (stopped) return;
    sentAt = performance.now();
    sock.write(frame);
  };
  sock.on('data', (d) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      pending = pending.subarray(4 + pending.readInt32BE(0));
      worst = Math.max(worst, performance.now() - sentAt);
      answered++;
      timer = setTimeout(send, PROBE_EVERY_MS);
    }
  });
  send();
  return {
    /** Worst round trip so far, counting the one still outstanding. */
    worstMs: () => Math.max(worst, stopped ? 0 : performance.now() - sentAt),
    reset: () => {
      worst = 0;
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      sock.destroy();
      return { worstMs: worst, answered };
    },
  };
}

/** Samples the broker's RSS until stopped; kills it above RSS_KILL_BYTES so one attack cannot take the machine down. */
function watchRss(broker) {
  const base = readMemory(broker.pid)?.rss ?? 0;
  let peak = base;
  let killed = false;
  const timer = setInterval(() => {
    const m = readMemory(broker.pid);
    if (!m || !Number.isFinite(m.rss)) return;
    peak = Math.max(peak, m.rss);
    if (m.rss > RSS_KILL_BYTES && !killed) {
      killed = true;
      broker.child.kill('SIGKILL');
    }
  }, RSS_EVERY_MS);
  return () => {
    clearInterval(timer);
    return { baseMB: round1(base / MB), peakMB: round1(peak / MB), growthMB: round1((peak - base) / MB), killed };
  };
}

async function fill(address) {
  await createTopic(address, TOPIC, 1);
  const producer = kafkaClient(address, 'bench-hostile-fill').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(1024, 'x');
  try {
    // Half a MiB per send: a whole MiB would exceed the default max.message.bytes.
    for (let i = 0; i < FILL_MIB * 2; i++) {
      await producer.send({ topic: TOPIC, acks: 1, messages: Array.from({ length: 512 }, () => ({ partition: 0, value })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Sends the hostile Fetch and counts the response bytes without keeping them. */
async function sendHostileFetch(codec, port) {
  const partitions = Array.from({ length: FETCH_REPEATS }, () => ({ partition: 0, fetchOffset: 0n, partitionMaxBytes: FETCH_LIMIT }));
  const frame = codec.frame('Fetch', 4, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: FETCH_LIMIT, isolationLevel: 0, topics: [{ topic: TOPIC, partitions }] });
  const sock = connect(port, '127.0.0.1');
  const started = performance.now();
  return new Promise((resolve) => {
    let expected = -1;
    let got = 0;
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => finish('no answer'), ATTACK_TIMEOUT_MS);
    const finish = (outcome) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ outcome, responseMB: round1(got / MB), ms: Math.round(performance.now() - started) });
    };
    sock.on('connect', () => sock.write(frame));
    sock.on('error', () => finish('connection error'));
    sock.on('close', () => finish(expected >= 0 && got >= expected ? 'answered' : 'connection closed by the broker'));
    sock.on('data', (d) => {
      if (expected < 0) {
        head = Buffer.concat([head, d.subarray(0, 4 - head.length)]);
        if (head.length === 4) expected = head.readInt32BE(0) + 4;
      }
      got += d.length;
      if (expected >= 0 && got >= expected) finish('answered');
    });
  });
}

function postPrometheus(port) {
  // Digits then one letter: a valid-looking start that a backtracking float regex retries in every split (the 2026 report).
  const body = Buffer.from(`hostile_metric{job="bench"} ${'1'.repeat(PROM_DIGITS)}x\n`);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/ingest/metrics', headers: { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ outcome: `HTTP ${res.statusCode}`, ms: Math.round(performance.now() - started) }));
      },
    );
    req.setTimeout(ATTACK_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ outcome: e.message, ms: Math.round(performance.now() - started) }));
    req.end(body);
  });
}

async function idleConnections(port) {
  const socks = [];
  let refused = 0;
  await Promise.all(
    Array.from({ length: IDLE_CONNECTIONS }, async () => {
      const s = connect(port, '127.0.0.1');
      socks.push(s);
      await new Promise((resolve) => {
        s.once('connect', resolve);
        s.once('error', () => {
          refused++;
          resolve();
        });
      });
      s.on('error', () => {});
    }),
  );
  await sleep(IDLE_HOLD_MS);
  const open = socks.filter((s) => !s.destroyed && s.readyState === 'open').length;
  for (const s of socks) s.destroy();
  return { outcome: `${open} of ${IDLE_CONNECTIONS} still open after ${IDLE_HOLD_MS / 1000} s${refused ? `, ${refused} refused` : ''}`, open };
}

async function attack(ctx, probe, fn) {
  await sleep(500);
  probe.reset();
  const rss = watchRss(ctx.broker);
  const r = await fn();
  await sleep(200);
  return { ...r, rss: rss(), probeWorstMs: Math.round(probe.worstMs()) };
}

const line = (r) => `${r.outcome} in ${r.ms ?? '-'} ms; broker RSS peak ${r.rss.peakMB} MB (+${r.rss.growthMB})${r.rss.killed ? ', KILLED at 4 GiB by the harness' : ''}; probe worst ${r.probeWorstMs} ms`;

/** Runs one attack with a probe beside it; a broker the harness had to kill is a result, not a harness failure. */
async function measured(ctx, fn) {
  const codec = await loadCodec();
  const port = Number(ctx.broker.address.split(':')[1]);
  const probe = await startProbe(codec, port);
  try {
    const r = await attack(ctx, probe, () => fn(codec, port));
    if (!r.rss.killed) ctx.broker.assertAlive('the attack');
    return r;
  } finally {
    probe.stop();
  }
}

export const hostileFetch = {
  name: 'hostile-fetch',
  title: `Hostile Fetch: partition 0 named ${FETCH_REPEATS.toLocaleString('en-US')} times, 64 MiB limits, ${FILL_MIB} MiB in the partition`,
  async run(ctx) {
    await fill(ctx.broker.address);
    const r = await measured(ctx, (codec, port) => sendHostileFetch(codec, port));
    return {
      metrics: r,
      checks: [
        { name: 'hostile Fetch: broker RSS growth', value: r.rss.killed ? `>${RSS_KILL_BYTES / MB}` : r.rss.growthMB, unit: 'MB', op: '<=', target: 256 },
        { name: 'hostile Fetch: probe worst round trip', value: r.probeWorstMs, unit: 'ms', op: '<=', target: 500 },
      ],
      summary: line(r),
    };
  },
};

export const hostileIngest = {
  name: 'hostile-ingest',
  title: `Hostile ingest body: one Prometheus sample with a ${PROM_DIGITS.toLocaleString('en-US')}-digit value over HTTP`,
  brokerConfig: { ingest: { http: { listen: '127.0.0.1:0' } } },
  async run(ctx) {
    const http = await ctx.broker.waitForStdout(/http ingest listener on [\d.]+:(\d+)/, 10_000);
    const r = await measured(ctx, () => postPrometheus(Number(http[1])));
    return {
      metrics: r,
      checks: [
        { name: 'hostile ingest body: answered in', value: r.ms, unit: 'ms', op: '<=', target: 1000 },
        { name: 'hostile ingest body: probe worst round trip', value: r.probeWorstMs, unit: 'ms', op: '<=', target: 500 },
      ],
      summary: line(r),
    };
  },
};

export const idleConnectionsScenario = {
  name: 'idle-connections',
  title: `${IDLE_CONNECTIONS.toLocaleString('en-US')} idle Kafka connections held for ${IDLE_HOLD_MS / 1000} s`,
  // All from 127.0.0.1, so the per-address cap (100 by default) is raised to measure what holding them costs.
  // BENCH_NO_LIMIT_KEYS=1 leaves the keys out, for builds older than the limits (before/after comparisons).
  brokerConfig: process.env.BENCH_NO_LIMIT_KEYS === '1' ? {} : { maxConnections: IDLE_CONNECTIONS + 100, maxConnectionsPerIp: IDLE_CONNECTIONS + 100 },
  async run(ctx) {
    const r = await measured(ctx, (_codec, port) => idleConnections(port));
    return {
      metrics: r,
      checks: [
        { name: '1,000 idle connections: broker RSS growth', value: r.rss.growthMB, unit: 'MB', op: 'info' },
        { name: '1,000 idle connections: probe worst round trip', value: r.probeWorstMs, unit: 'ms', op: '<=', target: 500 },
      ],
      summary: line(r),
    };
  },
};

const round1 = (x) => Math.round(x * 10) / 10;
