// The two processes of the latency scenario, run as `node bench/latency-client.js producer|consumer KEY=VALUE...`.
// Each value carries the send time from process.hrtime.bigint(), which on Linux is CLOCK_MONOTONIC — one clock for
// every process on the machine — so the consumer process can subtract it from its own reading.
//
//   producer: kafkajs Producer, acks=1; every ~1 ms timer tick it sends the records that have fallen due at `rate`
//             per second (one send() per tick), first `warmup` seconds marked as warm-up, then `seconds` measured.
//   consumer: no consumer groups yet, so a plain fetch loop (one Fetch in flight, like librdkafka and the Java client)
//             on kafkajs's Cluster/Broker internals; starts at the log end, prints "ready", and on stdin "expect N"
//             stops once N records have arrived. Prints one JSON line with the latency distribution.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import kafkajs from 'kafkajs';

const require = createRequire(import.meta.url);
const { Kafka, Partitioners, logLevel } = kafkajs;
const VALUE_BYTES = 100;
const MAX_IN_FLIGHT_SENDS = 1_000;
const FETCH_MAX_WAIT_MS = 100;
const PARTITION_MAX_BYTES = 1024 * 1024;
const DRAIN_TIMEOUT_MS = 30_000;
const LINGER_AFTER_EXPECT_MS = 10_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => process.hrtime.bigint();

function options(argv) {
  const o = Object.fromEntries(argv.map((a) => a.split('=', 2)));
  for (const k of ['brokers', 'topic']) if (!o[k]) throw new Error(`missing ${k}=`);
  return o;
}

function makeValue(seq, sentNs, warm) {
  return `${seq}:${sentNs}:${warm ? 'w' : 'm'}:`.padEnd(VALUE_BYTES, '.');
}

async function producer(o) {
  const rate = Number(o.rate);
  const warmup = Number(o.warmup);
  const seconds = Number(o.seconds);
  const total = Math.round(rate * (warmup + seconds));
  const warmCount = Math.round(rate * warmup);
  const kafka = new Kafka({ clientId: 'bench-latency-producer', brokers: [o.brokers], logLevel: logLevel.NOTHING });
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await p.connect();
  let sent = 0;
  let sends = 0;
  let inFlight = 0;
  let errors = 0;
  let firstError = null;
  let stalledTicks = 0;
  const t0 = now();
  const hardStop = t0 + BigInt(Math.round((warmup + seconds) * 2e9 + 10e9));
  let measuredStart = null;
  while (sent < total && now() < hardStop && errors === 0) {
    const due = Math.min(total, Math.floor((Number(now() - t0) / 1e9) * rate));
    if (due > sent && inFlight >= MAX_IN_FLIGHT_SENDS) stalledTicks++;
    else if (due > sent) {
      const sentNs = now();
      if (measuredStart === null && due > warmCount) measuredStart = sentNs;
      const messages = [];
      for (let seq = sent; seq < due; seq++) messages.push({ value: makeValue(seq, sentNs, seq < warmCount) });
      inFlight++;
      sends++;
      p.send({ topic: o.topic, acks: 1, messages })
        .catch((e) => {
          errors += messages.length;
          firstError ??= e.message;
        })
        .finally(() => inFlight--);
      sent = due;
    }
    await sleep(1);
  }
  const sendEnd = now();
  const drainBy = Date.now() + DRAIN_TIMEOUT_MS;
  while (inFlight > 0 && Date.now() < drainBy) await sleep(5);
  await p.disconnect().catch(() => undefined);
  const measuredSeconds = measuredStart === null ? 0 : Number(sendEnd - measuredStart) / 1e9;
  const result = {
    sent,
    measuredSent: Math.max(0, sent - warmCount),
    sends,
    errors,
    firstError,
    unacknowledged: inFlight,
    stalledTicks,
    measuredRate: measuredSeconds > 0 ? Math.round((sent - warmCount) / measuredSeconds) : 0,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function createCluster(brokers) {
  const Cluster = require('kafkajs/src/cluster/index.js');
  const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js');
  const socketFactory = require('kafkajs/src/network/socketFactory.js');
  return new Cluster({
    brokers: [brokers],
    clientId: 'bench-latency-consumer',
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
    socketFactory: socketFactory(),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: false,
    isolationLevel: 0,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

async function consumer(o) {
  const capacity = Number(o.capacity);
  const deadline = Date.now() + Number(o.deadlineMs);
  const cluster = createCluster(o.brokers);
  await cluster.connect();
  await cluster.addTargetTopic(o.topic);
  const leaders = Object.entries(cluster.findLeaderForPartitions(o.topic, [...Array(Number(o.partitions)).keys()]));
  if (leaders.length !== 1) throw new Error(`expected one leader for all partitions of ${o.topic}, metadata lists ${leaders.length}`);
  const [[nodeId, partitions]] = leaders;
  const broker = await cluster.findBroker({ nodeId });
  const listed = await broker.listOffsets({
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ topic: o.topic, partitions: partitions.map((partition) => ({ partition, timestamp: -1 })) }],
  });
  const position = new Map(listed.responses[0].partitions.map((p) => [p.partition, BigInt(p.offset)]));
  if (position.size !== Number(o.partitions)) throw new Error(`expected ${o.partitions} partitions, metadata has ${position.size}`);

  let expect = Infinity;
  let expectDeadline = Infinity;
  createInterface({ input: process.stdin }).on('line', (line) => {
    const m = /^expect (\d+)$/.exec(line.trim());
    if (m) {
      expect = Number(m[1]);
      expectDeadline = Date.now() + LINGER_AFTER_EXPECT_MS;
    }
  });
  process.stdout.write('ready\n');

  const latencies = new Float64Array(capacity);
  const perSecondMax = []; // worst latency in each second of the measured part, to spot periodic stalls
  let firstMeasured = null;
  let measured = 0;
  let warm = 0;
  let received = 0;
  let fetches = 0;
  while (received < expect && Date.now() < Math.min(deadline, expectDeadline)) {
    const res = await broker.fetch({
      replicaId: -1,
      isolationLevel: 0,
      maxWaitTime: FETCH_MAX_WAIT_MS,
      minBytes: 1,
      maxBytes: PARTITION_MAX_BYTES * position.size,
      topics: [{ topic: o.topic, partitions: [...position].map(([partition, offset]) => ({ partition, fetchOffset: offset.toString(), maxBytes: PARTITION_MAX_BYTES })) }],
    });
    const arrived = now(); // every record in one response reached us at the same moment
    fetches++;
    for (const p of res.responses[0]?.partitions ?? []) {
      if (p.errorCode) throw new Error(`fetch partition ${p.partition}: error code ${p.errorCode}`);
      for (const m of p.messages) {
        const offset = BigInt(m.offset);
        if (offset < position.get(p.partition)) continue;
        position.set(p.partition, offset + 1n);
        received++;
        const [, sentNs, phase] = m.value.toString('latin1', 0, 48).split(':');
        if (phase === 'w') warm++;
        else if (measured < capacity) {
          const ms = Number(arrived - BigInt(sentNs)) / 1e6;
          latencies[measured++] = ms;
          firstMeasured ??= arrived;
          const second = Number((arrived - firstMeasured) / 1_000_000_000n);
          perSecondMax[second] = Math.max(perSecondMax[second] ?? 0, Math.round(ms * 100) / 100);
        }
      }
    }
  }
  await cluster.disconnect().catch(() => undefined);
  const sorted = latencies.subarray(0, measured).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  const result = {
    received,
    warm,
    measured,
    fetches,
    timedOut: received < expect,
    minMs: sorted[0] ?? null,
    meanMs: measured ? sum / measured : null,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    maxMs: sorted[measured - 1] ?? null,
    perSecondMaxMs: Array.from(perSecondMax, (x) => x ?? 0),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const [role, ...rest] = process.argv.slice(2);
const roles = { producer, consumer };
if (!roles[role]) {
  process.stderr.write('usage: node bench/latency-client.js producer|consumer key=value...\n');
  process.exit(2);
}
roles[role](options(rest)).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`latency ${role}: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
