// Scenario: syslog UDP ingest without loss. The harness sends BENCH_SYSLOG_MESSAGES (default 200000) RFC 5424
// messages of ~120 bytes to the broker's syslog UDP listener at each of a series of increasing rates, waits for the
// topic to stop growing, and counts what arrived. Result: the highest target rate at which every message was stored
// (and the sender reached at least 95% of it). The scenario stops at the first rate that loses messages (higher ones
// would only lose more) or that the sender cannot reach.
import { createSocket } from 'node:dgram';
import { costMetrics } from './broker.js';
import { sleep } from './child.js';
import { totalEndOffset } from './kafka.js';

export const TOPIC = 'bench-syslog';
const RATES = [25_000, 50_000, 75_000, 100_000, 150_000, 200_000, 300_000, 400_000];
const TARGET_RATE = 50_000;
const SETTLE_MS = 1_000;
/** The sender runs from a 1 ms timer: each wake-up sends what is due, so bursts are at most ~rate/1000 messages. */
const TICK_MS = 1;
/** A step counts only if the sender really reached its rate (it shares the machine with the broker). */
const SENDER_MIN_FRACTION = 0.95;

function message(seq) {
  return Buffer.from(`<134>1 2024-06-15T12:00:00.000Z bench-host bench-app 4242 - - request ${String(seq).padStart(12, '0')} served in 12 ms path=/api/v1/items status=200`);
}

/** Sends `count` messages at `rate`/s; resolves with the achieved rate once the last send has completed. */
function sendAt(port, rate, count, firstSeq) {
  const sock = createSocket('udp4');
  return new Promise((resolve, reject) => {
    sock.on('error', reject);
    sock.connect(port, '127.0.0.1', () => {
      const started = process.hrtime.bigint();
      let sent = 0;
      const tick = () => {
        const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
        const due = Math.min(count, Math.floor(rate * elapsed) + 1);
        while (sent < due) {
          const last = ++sent === count;
          sock.send(message(firstSeq + sent - 1), last ? (e) => finish(e) : undefined);
        }
        if (sent < count) setTimeout(tick, TICK_MS);
      };
      const finish = (e) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        sock.close();
        if (e) reject(e);
        else resolve(count / seconds);
      };
      tick();
    });
  });
}

/** Polls the topic's end offset until it has not moved for SETTLE_MS (or reached `expected`). */
async function settledCount(address, expected) {
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const { total } = await totalEndOffset(address, TOPIC);
    if (total >= expected) return total;
    if (total !== last) {
      last = total;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= SETTLE_MS) return total;
    await sleep(100);
  }
}

export default {
  name: 'syslog',
  title: 'Syslog UDP ingest (RFC 5424, ~120-byte messages, increasing rates, zero loss)',
  /** Merged into the harness broker's config: a syslog UDP listener on an ephemeral loopback port. */
  brokerConfig: { ingest: { syslog: { udp: '127.0.0.1:0', topic: TOPIC } } },
  async run(ctx) {
    const count = Number(process.env.BENCH_SYSLOG_MESSAGES ?? 200_000);
    if (!Number.isInteger(count) || count <= 0) throw new Error(`BENCH_SYSLOG_MESSAGES must be a positive integer, got ${process.env.BENCH_SYSLOG_MESSAGES}`);
    const m = await ctx.broker.waitForStdout(/^syslog udp listener on [\d.]+:(\d+)$/, 10_000);
    const port = Number(m[1]);
    const steps = [];
    let best = 0;
    let seq = 0;
    let stored = (await totalEndOffset(ctx.broker.address, TOPIC).catch(() => ({ total: 0 }))).total;
    const measure = ctx.broker.window();
    const started = Date.now();
    for (const rate of RATES) {
      const achieved = await sendAt(port, rate, count, seq);
      seq += count;
      const total = await settledCount(ctx.broker.address, stored + count);
      ctx.broker.assertAlive('syslog ingest');
      const arrived = total - stored;
      stored = total;
      const lost = count - arrived;
      const senderLimited = achieved < rate * SENDER_MIN_FRACTION;
      steps.push({ targetRate: rate, sentRate: Math.round(achieved), sent: count, arrived, lost, senderLimited });
      const n = (x) => Math.round(x).toLocaleString('en-US');
      console.log(`  ${n(rate)} msg/s target, ${n(achieved)} sent/s: ${n(arrived)} of ${n(count)} stored${lost ? `, ${n(lost)} lost` : ''}${senderLimited ? ' (sender could not keep up)' : ''}`);
      if (lost > 0 || senderLimited) break;
      best = rate;
    }
    const cost = measure();
    const seconds = (Date.now() - started) / 1000;
    return {
      metrics: { messagesPerStep: count, steps, maxRateWithoutLoss: best, ...costMetrics(cost, seconds) },
      checks: [{ name: 'syslog UDP rate without loss', value: best, unit: 'msg/s', op: '>=', target: TARGET_RATE }],
      summary: `highest rate with zero loss: ${best.toLocaleString('en-US')} msg/s (${count.toLocaleString('en-US')} messages per step)`,
    };
  },
};
