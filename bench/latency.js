// Scenario 3: end-to-end latency at a moderate rate. A kafkajs producer process sends 100-byte values stamped with
// the monotonic clock at BENCH_LATENCY_RATE/s (default 10k) for BENCH_LATENCY_SECONDS (default 10) after a 1 s
// warm-up; a separate consumer process long-polls the same 6-partition topic and records arrival − send time.
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { costMetrics } from './broker.js';
import { spawnTracked, tail } from './child.js';
import { createTopic } from './kafka.js';

const TOPIC = 'bench-latency';
const PARTITIONS = 6;
const WARMUP_SECONDS = 1;
const CLIENT = fileURLToPath(new URL('./latency-client.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** A latency-client child; `line(re, ms)` waits for its next stdout line matching re. Killed after timeoutMs. */
function startClient(role, params, timeoutMs) {
  const args = [CLIENT, role, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)];
  const child = spawnTracked(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr = tail(child.stderr);
  child.stdin.on('error', () => {}); // EPIPE if it died; its exit is reported through `exited`
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const lines = [];
  const waiters = [];
  let exit = null;
  const settle = () => {
    for (const w of [...waiters]) {
      const i = lines.findIndex((l) => w.re.test(l));
      if (i >= 0) w.done(null, lines.splice(i, 1)[0]);
      else if (exit !== null) w.done(new Error(`latency ${role} exited (${exit}) without printing ${w.re}. stderr:\n${stderr()}`));
    }
  };
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    settle();
  });
  const exited = new Promise((resolve) => {
    const done = (why) => {
      clearTimeout(killer);
      exit ??= why;
      settle();
      resolve(exit);
    };
    child.on('error', (e) => done(e.message));
    child.on('close', (code, signal) => done(code ?? signal));
  });
  return {
    child,
    exited,
    send: (text) => child.stdin.write(text),
    line(re, ms) {
      return new Promise((resolve, reject) => {
        const w = {
          re,
          done: (err, line) => {
            clearTimeout(w.timer);
            waiters.splice(waiters.indexOf(w), 1);
            if (err) reject(err);
            else resolve(line);
          },
        };
        w.timer = setTimeout(() => w.done(new Error(`latency ${role}: no line matching ${re} within ${ms} ms. stderr:\n${stderr()}`)), ms);
        waiters.push(w);
        settle();
      });
    },
  };
}

export default {
  name: 'latency',
  title: 'End-to-end latency (kafkajs producer → fetch loop, acks=1, 6 partitions)',
  async run(ctx) {
    const rate = Number(process.env.BENCH_LATENCY_RATE ?? 10_000);
    const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
    const runMs = (WARMUP_SECONDS + seconds) * 1000;
    const timeoutMs = START_TIMEOUT_MS + 3 * runMs + 30_000;
    await createTopic(ctx.broker.address, TOPIC, PARTITIONS);

    const common = { brokers: ctx.broker.address, topic: TOPIC };
    const consumer = startClient('consumer', { ...common, partitions: PARTITIONS, capacity: Math.ceil(rate * seconds * 1.1) + 1000, deadlineMs: timeoutMs - 5_000 }, timeoutMs);
    let producer;
    try {
      await consumer.line(/^ready$/, START_TIMEOUT_MS);
      const measure = ctx.broker.window();
      producer = startClient('producer', { ...common, rate, seconds, warmup: WARMUP_SECONDS }, timeoutMs);
      const sent = JSON.parse(await producer.line(/^\{/, timeoutMs));
      if (sent.errors || sent.unacknowledged) throw new Error(`latency producer: ${sent.errors} records failed, ${sent.unacknowledged} sends unacknowledged (${sent.firstError})`);
      consumer.send(`expect ${sent.sent}\n`);
      const got = JSON.parse(await consumer.line(/^\{/, timeoutMs));
      await Promise.all([consumer.exited, producer.exited]); // so their CPU time is counted as ours, not "other"
      const cost = measure();
      ctx.broker.assertAlive('latency');
      if (got.received !== sent.sent) throw new Error(`latency consumer received ${got.received} of ${sent.sent} records`);
      const ms = (x) => Math.round(x * 100) / 100;
      return {
        metrics: {
          targetRate: rate,
          measuredSeconds: seconds,
          warmupSeconds: WARMUP_SECONDS,
          achievedRate: sent.measuredRate,
          producerSends: sent.sends,
          consumerFetches: got.fetches,
          records: got.measured,
          minMs: ms(got.minMs),
          meanMs: ms(got.meanMs),
          p50Ms: ms(got.p50Ms),
          p90Ms: ms(got.p90Ms),
          p99Ms: ms(got.p99Ms),
          p999Ms: ms(got.p999Ms),
          maxMs: ms(got.maxMs),
          perSecondMaxMs: got.perSecondMaxMs,
          ...costMetrics(cost, WARMUP_SECONDS + seconds),
        },
        checks: [{ name: 'latency p99', value: ms(got.p99Ms), unit: 'ms', op: '<=', target: 10 }],
        summary: `p50 ${ms(got.p50Ms)} ms, p99 ${ms(got.p99Ms)} ms, max ${ms(got.maxMs)} ms at ${sent.measuredRate.toLocaleString('en-US')} records/s`,
      };
    } finally {
      for (const c of [consumer, producer]) if (c && c.child.exitCode === null) c.child.kill('SIGKILL');
    }
  },
};
