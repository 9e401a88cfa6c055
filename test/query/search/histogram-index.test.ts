// Histograms counted from the level counts in the token index equal a brute-force count (every record decoded, its
// level taken by the language's levelOf) on a real broker's topic whose levels come from headers, JSON, logfmt, plain
// text and nowhere; the first histogram of all records reads no sealed block; old-version and corrupt sidecars are
// rebuilt, and searched by scanning until they are.
import { crc32c } from '@node-rs/crc32';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuery } from '../../../src/query/language/index.js';
import { readTokenIndex } from '../../../src/storage/token-index/segment-token-index.js';
import { ENTRY_HEADER_BYTES, FILE_HEADER_BYTES, TOKEN_INDEX_VERSION } from '../../../src/storage/token-index/token-index-file.js';
import { recordingLogger, startApp, type TestApp } from '../../server/helpers.js';
import { allRecords, produceLines, type Line } from './corpus.js';

const TOPIC = 'levels';
const PARTITIONS = 2;
const T0 = Date.UTC(2026, 4, 1, 0, 0, 0);
const DENSE = 6_000; // 20 ms apart: two minutes, per-second counts
const SPARSE = 9_000; // 3 s apart after that: 7.5 hours; a block's seconds would outgrow its counts' bytes: coarser
const N = DENSE + SPARSE;
const END = T0 + 8 * 3_600_000;
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua '.repeat(2);

const pick = <T>(xs: readonly T[], i: number): T => xs[(i >> 3) % xs.length]!;

/** Record i: its level (if any) where shape i % 8 puts it; the variant from i / 8, so every variant occurs. */
function record(i: number): Line {
  const timestamp = i < DENSE ? T0 + i * 20 : T0 + DENSE * 20 + (i - DENSE) * 3_000;
  const headers: [string, string][] = [['host', `web-${i % 5}`]];
  let value: string;
  switch (i % 8) {
    case 0:
      value = JSON.stringify({ level: pick(['info', 'WARN', 'error', 'debug', 50, 'Fatal', 'bogus'], i), msg: `json ${i} ${FILLER}` });
      break;
    case 1:
      value = JSON.stringify({ ...pick<object>([{ severity: 'warning' }, { '@l': 'Verbose' }, { log: { level: 'error' } }, { note: 'ERROR in text, no level field' }], i), msg: `json ${i} ${FILLER}` });
      break;
    case 2:
      value = `ts=${timestamp} level=${pick(['info', 'trace', 'err', 'warning', 'x'], i)} msg="logfmt ${i} ${FILLER}"`;
      break;
    case 3:
      headers.push(['level', pick(['ERROR', 'INFO', 'DEBUG', 'nonsense'], i)]);
      value = `agent line ${i} ${FILLER}`;
      break;
    case 4:
      headers.push(['severity', pick(['crit', 'notice', 'err'], i)]);
      value = `syslog line ${i} ${FILLER}`;
      break;
    case 5:
      value = `${new Date(timestamp).toISOString()} ${pick(['ERROR', 'WARN', 'INFO', 'DEBUG'], i)} [svc] plain ${i} ${FILLER}`;
      break;
    case 6:
      value = `${pick(['E', 'W', 'I'], i)}0501 12:00:00.123456 1 main.go:12] glog ${i} ${FILLER}`;
      break;
    default:
      value = `no level here ${i} ${FILLER}`;
  }
  return { value, timestamp, headers, partition: i % PARTITIONS };
}

let dataDir: string;
let t: TestApp;
let all: Awaited<ReturnType<typeof allRecords>>;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-hist-index-'));
  t = await startApp({ dataDir });
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: TOPIC, partitions: PARTITIONS, configs: { 'retention.ms': '-1' } } });
  await produceLines(t.kafka, TOPIC, Array.from({ length: N }, (_, i) => record(i)), 200);
  await t.app.broker.logs.tokenIndexer!.idle();
  all = await allRecords(t.app.broker.logs, TOPIC, PARTITIONS);
}, 120_000);
afterAll(async () => {
  await t?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function brute(q: string, from: number, to: number, step: number) {
  const query = compileQuery(q);
  const first = Math.floor(from / step) * step;
  const n = Math.ceil((to - first) / step);
  const levels: Record<string, number[]> = {};
  for (const r of all) {
    if (r.timestamp < from || r.timestamp >= to) continue;
    const view = { ...r.raw, topic: r.topic, partition: r.partition };
    if (!query.matches(view)) continue;
    (levels[query.levelOf(view) ?? 'unknown'] ??= new Array(n).fill(0))[Math.floor((r.timestamp - first) / step)]++;
  }
  return levels;
}

async function histogram(q: string, from: number, to: number, step?: number) {
  const params = new URLSearchParams({ q, topics: TOPIC, from: String(from), to: String(to), ...(step ? { step: `${step}ms` } : {}) });
  return t.call(`/api/v1/search/histogram?${params}`, 200);
}

function expectBrute(h: { levels: Record<string, number[]>; step: number; from: number; to: number; total: number }, q: string): void {
  const b = brute(q, h.from, h.to, h.step);
  for (const [level, col] of Object.entries(h.levels)) expect(col, `${q} ${level}`).toEqual(b[level] ?? new Array(col.length).fill(0));
  expect(h.total).toBe(Object.values(b).flat().reduce((a, c) => a + c, 0));
}

function indexedBlocks(): number {
  let n = 0;
  for (let p = 0; p < PARTITIONS; p++) n += t.app.broker.logs.partition(TOPIC, p)!.searchSpans().filter((s) => s.kind === 'block').length;
  return n;
}

/** Records not in indexed blocks (the block each partition is filling). */
function unindexedRecords(): number {
  let n = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const log = t.app.broker.logs.partition(TOPIC, p)!;
    for (const s of log.searchSpans()) if (s.kind === 'unindexed') n += log.logEndOffset - s.firstOffset;
  }
  return n;
}

describe('histogram from the level counts in the index', () => {
  it('the first histogram of all records, and of one level, reads no sealed block', async () => {
    const blocks = indexedBlocks();
    expect(blocks).toBeGreaterThanOrEqual(4);
    for (const q of ['', 'level:warn']) {
      // `from` not on a bucket edge, as "the last 24 h" never is: blocks wholly inside still count from the index.
      const h = await histogram(q, T0 - 12_345, END);
      expectBrute(h, q);
      expect(h.stats.blocksScanned).toBe(0);
      expect(h.stats.blocksCountedFromIndex).toBe(blocks);
      expect(h.stats.blocksCountedFromCache).toBe(0);
      expect(h.stats.recordsDecoded).toBe(unindexedRecords());
      expect(h.stats.recordsDecoded).toBeLessThan(N / 4);
    }
    // Every level column and `unknown` is exercised by the corpus.
    const h = await histogram('', T0, END);
    for (const [level, col] of Object.entries(h.levels as Record<string, number[]>)) expect(col.some((c) => c > 0), level).toBe(true);
  });

  it.each(['', 'level:error', 'level>=warn', '-level:info', 'level:*', '-level:*', 'level:(error OR fatal)', 'level:error glog', 'severity:crit'])(
    'equals a brute-force count across steps and ranges with edges inside blocks: %s',
    async (q) => {
      const ranges: [number, number, number | undefined][] = [
        [T0, END, undefined],
        [T0 + 37_123, T0 + 5 * 3_600_000 + 4_321, 60_000],
        [T0 + 10_000, T0 + 100_000, 1_000],
        [T0, T0 + 120_000, 7_000],
        [T0 + 120_000, END, 10_000], // the sparse blocks count per minute or coarser: read
        [T0 - 3_600_000, END + 3_600_000, 3_600_000],
        [T0 + 500, T0 + 60_500, 500],
      ];
      for (const [from, to, step] of ranges) expectBrute(await histogram(q, from, to, step), q);
    },
  );

  it('a step finer than a block counts, or an edge that cuts its buckets, reads that block', async () => {
    // The sparse part's blocks have coarse buckets: a 10 s step over them cannot use their counts.
    const h = await histogram('level:debug', T0 + 130_000, END, 10_000);
    expectBrute(h, 'level:debug');
    expect(h.stats.blocksScanned).toBeGreaterThan(0);
    // An edge in the middle of a second of the dense part.
    const e = await histogram('level:trace', T0 + 30_500, T0 + 90_000, 1_000);
    expectBrute(e, 'level:trace');
    expect(e.stats.blocksScanned).toBeGreaterThan(0);
  });
});

describe('sidecars of another version or with corrupt counts', () => {
  const sidecars = () =>
    Array.from({ length: PARTITIONS }, (_, p) => path.join(dataDir, `${TOPIC}-${p}`))
      .flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.tokens')).map((f) => path.join(d, f)));

  it('rebuilds a version-1 sidecar, and counts from it once rebuilt', async () => {
    await t.stop();
    const files = sidecars();
    expect(files.length).toBeGreaterThanOrEqual(PARTITIONS);
    for (const f of files) {
      const b = fs.readFileSync(f);
      expect(b.readUInt16BE(4)).toBe(TOKEN_INDEX_VERSION);
      b.writeUInt16BE(1, 4);
      b.writeUInt32BE(crc32c(b.subarray(0, 8)) >>> 0, 8);
      fs.writeFileSync(f, b);
    }
    const logger = recordingLogger();
    t = await startApp({ dataDir, logger });
    await t.app.broker.logs.tokenIndexer!.idle();
    expect(logger.lines.some((l) => /version 1, this build writes version 2/.test(l))).toBe(true);
    for (const f of files) expect(fs.readFileSync(f).readUInt16BE(4)).toBe(TOKEN_INDEX_VERSION);
    const h = await histogram('level:info', T0, END);
    expectBrute(h, 'level:info');
    expect(h.stats.blocksScanned).toBe(0);
    expect(h.stats.blocksCountedFromIndex).toBe(indexedBlocks());
  }, 60_000);

  it('does not trust corrupt counts: the block is scanned until rebuilt, and the answer never changes', async () => {
    await t.stop();
    const file = sidecars()[0]!;
    const b = fs.readFileSync(file);
    const first = FILE_HEADER_BYTES;
    const filterBytes = b.readUInt32BE(first + 48);
    const countsBytes = b.readUInt32BE(first + 56);
    expect(countsBytes).toBeGreaterThan(16);
    b[first + ENTRY_HEADER_BYTES + filterBytes + 20]! ^= 0x01; // a count, not the header
    fs.writeFileSync(file, b);
    const log = file.replace(/\.tokens$/, '.log');
    const read = await readTokenIndex(file, Number(path.basename(file).slice(0, 20)), fs.statSync(log).size);
    expect(read.problem).toMatch(/corrupt level counts/);
    expect(read.blocks).toHaveLength(0);

    const logger = recordingLogger();
    t = await startApp({ dataDir, logger });
    const q = 'level:fatal';
    // Right after the start the block may still be rebuilding (scanned) or rebuilt (counted): the same answer either way.
    expectBrute(await histogram(q, T0, END), q);
    await t.app.broker.logs.tokenIndexer!.idle();
    expect(logger.lines.some((l) => l.includes(path.basename(file)) && /corrupt level counts/.test(l))).toBe(true);
    const h = await histogram(q, T0, END);
    expectBrute(h, q);
    expect(h.stats.blocksScanned).toBe(0);
  }, 60_000);
});
