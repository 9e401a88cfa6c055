// Scenario `search`: ~BENCH_SEARCH_MB (default 1024) MB of realistic log lines produced with kcat into a 6-partition
// topic, and the same lines in a plain file; then, side by side: a rare word searched to completion against `rg -c` on
// the file, the first page of 100 newest for a common word, a regex scan (MB/s), a 24 h histogram, the index's size,
// produce throughput with the token index on and off (a second broker with searchIndex off), and live tail p99 latency
// at 10,000 records/s with 1 and 20 clients, and produce throughput with 20 tail clients against none.
// Environment: BENCH_SEARCH_MB, BENCH_TAIL_SECONDS (default 10), BENCH_SEARCH_COMPARE_OFF=0 (skip the index-off broker).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startBroker } from './broker.js';
import { runCommand, sleep } from './child.js';
import { createTopic, totalEndOffset } from './kafka.js';
import { COMMON, NEEDLE, writeLogLines } from './search-data.js';
import { openRawTail } from './raw-tail.js';
import { tokenIndexReport } from './token-index.js';

const TOPIC = 'bench-search';
const PARTITIONS = 6;
const TAIL_RATE = 10_000;
const TICK_MS = 10;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x) => Math.round(x * 10) / 10;
const percentile = (xs, p) => {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function api(ctx, path) {
  const res = await fetch(`${ctx.api.base}${path}`, { headers: { authorization: `Bearer ${ctx.api.token}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

/** Every page of a search, following the cursor; the matches and the summed stats. */
async function searchAll(ctx, q) {
  let page = await api(ctx, `/api/v1/search?${new URLSearchParams({ q, topics: TOPIC, limit: '1000' })}`);
  let matches = page.records.length;
  const stats = { ...page.stats };
  for (let n = 0; page.cursor && n < 10_000; n++) {
    page = await api(ctx, `/api/v1/search?${new URLSearchParams({ cursor: page.cursor, limit: '1000' })}`);
    matches += page.records.length;
    for (const [k, v] of Object.entries(page.stats)) stats[k] += v;
  }
  return { matches, stats };
}

async function kcatProduce(ctx, address, topic, file) {
  await createTopic(address, topic, PARTITIONS);
  const { elapsedMs } = await runCommand(ctx.kcat.cmd, ['-P', '-b', address, '-t', topic, '-X', 'acks=1', '-l', file], { timeoutMs: 30 * 60_000, label: `kcat -P ${topic}` });
  return elapsedMs;
}

/** `n` tail clients of `topic` that parse every message and note each record's latency. */
function openTails(ctx, topic, n) {
  return Promise.all(
    Array.from({ length: n }, () => {
      const ws = new WebSocket(`${ctx.api.base.replace('http', 'ws')}/api/v1/tail?topics=${topic}`, { headers: { authorization: `Bearer ${ctx.api.token}` } });
      const client = { ws, latencies: [], received: 0, skipped: 0, bytes: 0 };
      ws.on('message', (data) => {
        client.bytes += data.length;
        const now = Date.now();
        const m = JSON.parse(data.toString());
        if (m.type === 'records') {
          for (const r of m.records) client.latencies.push(now - r.timestamp);
          client.received += m.records.length;
        } else if (m.type === 'skipped') client.skipped += m.count;
      });
      return new Promise((resolve, reject) => {
        ws.once('error', reject);
        ws.once('message', () => resolve(client));
      });
    }),
  );
}

/** Produces at TAIL_RATE records/s for `seconds` with our client (timestamps = send time); tails measure arrival. */
async function tailLatency(ctx, clients, seconds) {
  const topic = `bench-tail-${clients}`;
  await createTopic(ctx.broker.address, topic, PARTITIONS);
  const { KafkaClient } = await import(new URL('../dist/src/client/index.js', import.meta.url).href);
  const tails = await openTails(ctx, topic, clients);
  const kafka = new KafkaClient({ bootstrap: [ctx.broker.address], clientId: 'bench-tail-producer' });
  const producer = kafka.producer({ acks: 1 });
  const perTick = (TAIL_RATE * TICK_MS) / 1000;
  const pad = 'p'.repeat(120);
  let sent = 0;
  const pending = new Set();
  const start = Date.now();
  try {
    for (let tick = 0; Date.now() - start < seconds * 1000; tick++) {
      const due = start + tick * TICK_MS;
      if (due > Date.now()) await sleep(due - Date.now());
      const ts = Date.now();
      const p = producer.send(topic, Array.from({ length: perTick }, (_, i) => ({ value: `tail ${sent + i} level=info ${pad}`, timestamp: ts })));
      sent += perTick;
      pending.add(p);
      p.finally(() => pending.delete(p));
    }
    await Promise.all(pending);
    const deadline = Date.now() + 10_000;
    while (tails.some((t) => t.received + t.skipped < sent) && Date.now() < deadline) await sleep(50);
  } finally {
    await kafka.close();
    for (const t of tails) t.ws.close();
  }
  const all = tails.flatMap((t) => t.latencies);
  return {
    clients,
    produced: sent,
    ratePerSec: Math.round(sent / seconds),
    received: tails.reduce((n, t) => n + t.received, 0),
    skipped: tails.reduce((n, t) => n + t.skipped, 0),
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    maxMs: percentile(all, 100),
  };
}

export default {
  name: 'search',
  title: 'Search, histogram, index size, tail latency (realistic log lines, 6 partitions, against ripgrep)',
  async run(ctx) {
    const mb = Number(process.env.BENCH_SEARCH_MB ?? 1024);
    const tailSeconds = Number(process.env.BENCH_TAIL_SECONDS ?? 10);
    const m = await ctx.broker.waitForStdout(/ui on (http:\/\/\S+?)\/\?token=(\S+)/, 10_000);
    ctx.api = { base: m[1], token: m[2] };
    const file = join(ctx.tmpDir, 'search-lines.txt');
    const data = writeLogLines(file, mb);
    console.log(`  ${data.lines.toLocaleString('en-US')} lines, ${round1(data.bytes / 1e6)} MB in ${file}`);

    // Produce with the index on (this broker), then the same file into a broker with searchIndex off.
    const produceMs = await kcatProduce(ctx, ctx.broker.address, TOPIC, file);
    const records = (await totalEndOffset(ctx.broker.address, TOPIC)).total;
    if (records !== data.lines) throw new Error(`the topic holds ${records} records, the file ${data.lines} lines`);
    const index = await tokenIndexReport(ctx.broker.dataDir, TOPIC, 300_000);
    let produceOffMs = null;
    if (process.env.BENCH_SEARCH_COMPARE_OFF !== '0') {
      const offDir = join(ctx.tmpDir, 'data-index-off');
      const off = await startBroker({ dataDir: offDir, config: { defaultPartitions: PARTITIONS, searchIndex: false } });
      try {
        produceOffMs = await kcatProduce(ctx, off.address, TOPIC, file);
      } finally {
        await off.stop();
        rmSync(offDir, { recursive: true, force: true });
      }
    }

    // Rare word: ripgrep over the file vs a search to completion (warm caches for both: median of 3).
    const rg = [];
    let rgCount = null;
    for (let i = 0; i < 3; i++) {
      let out = '';
      const r = await runCommand('rg', ['-c', NEEDLE, file], { timeoutMs: 600_000, onStdout: (c) => (out += c) });
      rg.push(r.elapsedMs);
      rgCount = Number(out.trim());
    }
    // The first search after start-up also compiles the scan code and reads the blocks' filters from their sidecars
    // into memory: reported apart (rareFirstMs), then the median of five, as rg's runs are all warm.
    const rareFirst = await timed(() => searchAll(ctx, NEEDLE));
    const rare = [];
    let rareResult = rareFirst.value;
    for (let i = 0; i < 5; i++) {
      const r = await timed(() => searchAll(ctx, NEEDLE));
      rare.push(r.ms);
      rareResult = r.value;
    }
    if (rareResult.matches !== rgCount) throw new Error(`the search found ${rareResult.matches} records with ${NEEDLE}, rg ${rgCount} lines`);

    const firstPage = [];
    let firstStats = null;
    for (let i = 0; i < 5; i++) {
      const r = await timed(() => api(ctx, `/api/v1/search?${new URLSearchParams({ q: COMMON, topics: TOPIC, limit: '100' })}`));
      firstPage.push(r.ms);
      firstStats = r.value.stats;
      if (r.value.records.length !== 100) throw new Error(`the first page of ${COMMON} has ${r.value.records.length} records`);
    }

    // A regex with no literal to skip by: every block is read and every record decoded.
    const regex = await timed(() => searchAll(ctx, '/[0-9]{5}zq/'));
    const logBytes = index?.logBytes ?? data.bytes;

    // All records by level: the first time every block is read; asked again, sealed blocks count from their summaries.
    const histCold = (await timed(() => api(ctx, `/api/v1/search/histogram?topics=${TOPIC}&from=24h`))).ms;
    const histAll = [];
    const histRare = [];
    for (let i = 0; i < 3; i++) {
      histAll.push((await timed(() => api(ctx, `/api/v1/search/histogram?topics=${TOPIC}&from=24h`))).ms);
      histRare.push((await timed(() => api(ctx, `/api/v1/search/histogram?topics=${TOPIC}&from=24h&q=${NEEDLE}`))).ms);
    }

    const tail1 = await tailLatency(ctx, 1, tailSeconds);
    const tail20 = await tailLatency(ctx, 20, tailSeconds);

    // Produce throughput with 20 tail clients following the topic, against none (a quarter of the file but at least 300 MB, fresh topics),
    // in alternating rounds: one run of each is within the machine's noise (±20 % here), the sums of several are not.
    const part = join(ctx.tmpDir, 'search-lines-part.txt');
    writeLogLines(part, Math.max(300, Math.round(mb / 4))); // runs of a second or more: short ones measure start-up
    const rounds = Number(process.env.BENCH_TAILS_ROUNDS ?? 4);
    let bare = 0;
    let tailed = 0;
    let followedBytes = 0;
    const roundsPercent = [];
    for (let r = 0; r < rounds; r++) {
      const none = await kcatProduce(ctx, ctx.broker.address, `bench-tp-none-${r}`, part);
      await sleep(3000); // the index worker catches up on what the last run wrote before the next starts
      await createTopic(ctx.broker.address, `bench-tp-tailed-${r}`, PARTITIONS);
      // Clients that only count bytes (bench/raw-tail.js): on two cores, parsing in the harness would compete with kcat.
      const followers = await Promise.all(Array.from({ length: 20 }, () => openRawTail(ctx.api.base, `/api/v1/tail?topics=bench-tp-tailed-${r}`, ctx.api.token)));
      let ms;
      try {
        ms = await kcatProduce(ctx, ctx.broker.address, `bench-tp-tailed-${r}`, part);
      } finally {
        for (const f of followers) f.close();
      }
      followedBytes += followers.reduce((n, f) => n + f.bytes, 0);
      bare += none;
      tailed += ms;
      roundsPercent.push(Math.round((100 * none) / ms));
      await sleep(3000);
    }
    const withTailsPercent = Math.round((100 * bare) / tailed);
    const followedMB = round1(followedBytes / 1e6 / rounds);

    const mbps = (bytes, ms) => round1(bytes / 1e6 / (ms / 1000));
    const metrics = {
      lines: data.lines,
      fileMB: round1(data.bytes / 1e6),
      produceMBPerSecIndexOn: mbps(data.bytes, produceMs),
      produceMBPerSecIndexOff: produceOffMs === null ? null : mbps(data.bytes, produceOffMs),
      index,
      rareTerm: { needle: NEEDLE, matches: rareResult.matches, firstMs: round1(rareFirst.ms), searchMsMedian: round1(median(rare)), runsMs: rare.map(round1), rgMsMedian: round1(median(rg)), rgRunsMs: rg.map(round1), stats: rareResult.stats },
      commonFirstPage: { word: COMMON, msMedian: round1(median(firstPage)), runsMs: firstPage.map(round1), stats: firstStats },
      regexScan: { query: '/[0-9]{5}zq/', ms: round1(regex.ms), MBPerSec: mbps(logBytes, regex.ms), stats: regex.value.stats },
      histogram24h: { allColdMs: round1(histCold), allMsMedian: round1(median(histAll)), allRunsMs: histAll.map(round1), rareMsMedian: round1(median(histRare)), rareRunsMs: histRare.map(round1) },
      tail: { oneClient: tail1, twentyClients: tail20 },
      produceWithTails: { rounds, noneMsTotal: round1(bare), twentyTailsMsTotal: round1(tailed), throughputPercentOfNone: withTailsPercent, roundsPercent, tailMBReceivedByAllPerRound: followedMB },
    };
    const checks = [
      { name: `rare word to completion vs rg -c (${round1(median(rg))} ms): half of rg`, value: round1(median(rare)), unit: 'ms', op: '<=', target: round1(median(rg) / 2) },
      { name: 'common word, first page of 100 newest', value: round1(median(firstPage)), unit: 'ms', op: '<=', target: 100 },
      { name: 'regex scan (no literal to skip by)', value: mbps(logBytes, regex.ms), unit: 'MB/s', op: 'info' },
      { name: '24 h histogram, all records by level, first time', value: round1(histCold), unit: 'ms', op: '<=', target: 300 },
      { name: '24 h histogram, all records by level, again', value: round1(median(histAll)), unit: 'ms', op: '<=', target: 300 },
      { name: '24 h histogram, rare word', value: round1(median(histRare)), unit: 'ms', op: '<=', target: 300 },
      ...(index ? [{ name: 'search index size (% of log)', value: index.indexSizePercent, unit: '%', op: '<=', target: 5 }] : []),
      { name: 'produce MB/s, token index on', value: mbps(data.bytes, produceMs), unit: 'MB/s', op: 'info' },
      ...(produceOffMs === null ? [] : [{ name: 'produce MB/s, token index off', value: mbps(data.bytes, produceOffMs), unit: 'MB/s', op: 'info' }]),
      { name: 'tail p99 at 10,000 records/s, 1 client', value: tail1.p99Ms, unit: 'ms', op: '<=', target: 50 },
      { name: 'tail p99 at 10,000 records/s, 20 clients', value: tail20.p99Ms, unit: 'ms', op: '<=', target: 50 },
      { name: 'produce throughput with 20 tail clients (% of none)', value: withTailsPercent, unit: '%', op: '>=', target: 90 },
    ];
    return {
      metrics,
      checks,
      summary:
        `rare word ${round1(median(rare))} ms (first after start ${round1(rareFirst.ms)} ms) vs rg ${round1(median(rg))} ms; first page ${round1(median(firstPage))} ms; regex ${mbps(logBytes, regex.ms)} MB/s; ` +
        `histogram ${round1(histCold)} ms first, ${round1(median(histAll))} ms again (rare ${round1(median(histRare))} ms); index ${index?.indexSizePercent ?? '-'} %; produce ${mbps(data.bytes, produceMs)} MB/s on / ${produceOffMs === null ? '-' : mbps(data.bytes, produceOffMs)} MB/s off; ` +
        `tail p99 ${tail1.p99Ms} ms (1) / ${tail20.p99Ms} ms (20); produce with 20 tails ${withTailsPercent} % of none`,
    };
  },
};
