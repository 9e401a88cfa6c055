// The token index inside a real `tributary serve` (built in its worker thread): batches kcat compressed with each of
// librdkafka's codecs are indexed, and a broker killed with SIGKILL while producing restarts with a correct index.
// "Correct" is checked from outside the broker: the data directory is opened again in-process, every block must admit
// every token of its records, blocks must cover the log exactly, and the sidecars must equal, byte for byte, what a
// rebuild from the log alone produces.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { compressionOf } from '../../src/protocol/record-batch.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { LogManager } from '../../src/storage/index.js';
import { readTokenIndex } from '../../src/storage/token-index/segment-token-index.js';
import { tokenHashes } from '../../src/storage/token-index/tokens.js';
import { brokerConfig } from '../helpers/broker-config.js';
import { startBroker, stopAllBrokers } from '../helpers/broker-process.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { assertOk, runTool } from '../helpers/run-tool.js';
import { waitUntil } from '../helpers/wait-until.js';
import { captureLogger, tempDir } from '../storage/helpers.js';
import { expectExactCover, expectNoFalseNegatives, logLine, rng } from '../storage/token-index/index-helpers.js';

const available = requireTools(KCAT);
const SEGMENT_BYTES = 1024 * 1024;

afterAll(() => stopAllBrokers());

function lines(n: number, seed: number, special?: string): string {
  const r = rng(seed);
  const out = Array.from({ length: n }, (_, i) => logLine(r, i));
  if (special) out[100] = special;
  return `${out.join('\n')}\n`;
}

/** The nice value of every thread of a process (/proc/<pid>/task/<tid>/stat, field 19). */
function threadNices(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

const logsOf = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();

/** Every sealed segment of the partition has a sidecar covering its whole log (read as the broker would). */
async function sealedSegmentsIndexed(dir: string): Promise<boolean> {
  const logs = logsOf(dir);
  if (logs.length < 2) return false;
  for (const log of logs.slice(0, -1)) {
    const base = Number(log.slice(0, 20));
    const size = fs.statSync(path.join(dir, log)).size;
    const idx = await readTokenIndex(path.join(dir, `${log.slice(0, 20)}.tokens`), base, size);
    if (idx.problem !== null || idx.blocks.length === 0 || idx.blocks[idx.blocks.length - 1]!.meta.end !== size) return false;
  }
  return true;
}

const sidecars = (dir: string) => Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.tokens')).map((f) => [f, fs.readFileSync(path.join(dir, f))]));

/** Open the stopped broker's data directory in-process: no sidecar may be reported damaged; the index is checked. */
async function verifyDataDir(dataDir: string, topics: string[]): Promise<void> {
  const logger = captureLogger();
  const m = await LogManager.open({ dataDir, logger, tokenIndex: { executor: 'inline' } });
  try {
    await m.tokenIndexer!.idle();
    expect(logger.lines.filter((l) => l.includes('.tokens'))).toEqual([]);
    for (const t of topics) {
      const log = m.partition(t, 0)!;
      expectExactCover(log);
      expect(await expectNoFalseNegatives(log)).toBeGreaterThan(0);
    }
  } finally {
    await m.close();
  }
  // The broker's sidecars (built by its worker, across a crash) equal a rebuild from the logs alone.
  for (const t of topics) {
    const dir = path.join(dataDir, `${t}-0`);
    const built = sidecars(dir);
    for (const f of Object.keys(built)) fs.rmSync(path.join(dir, f));
    const m2 = await LogManager.open({ dataDir, logger: captureLogger(), tokenIndex: { executor: 'inline' } });
    await m2.tokenIndexer!.idle();
    await m2.close();
    expect(sidecars(dir)).toEqual(built);
  }
}

describe('searchIndex in the broker config', () => {
  it('is on by default, takes true or false, and refuses anything else', () => {
    expect(loadBrokerConfig({ dataDir: '/tmp/x' }).searchIndex).toBe(true);
    expect(loadBrokerConfig({ dataDir: '/tmp/x', file: { searchIndex: false } }).searchIndex).toBe(false);
    expect(() => loadBrokerConfig({ dataDir: '/tmp/x', file: { searchIndex: 'no' } })).toThrow(/searchIndex must be true or false/);
  });
});

describe.skipIf(!available)('token index in a real broker', () => {
  it('writes no sidecar with searchIndex false', async () => {
    const dataDir = tempDir();
    const broker = await startBroker({ dataDir, args: ['--config', brokerConfig({ searchIndex: false, topicDefaults: { 'segment.bytes': String(SEGMENT_BYTES) } })] });
    assertOk(await runTool('kcat', ['-P', '-b', broker.bootstrap, '-t', 'plain'], { input: lines(30_000, 3), timeoutMs: 60_000 }), 'kcat -P');
    expect((await broker.stop()).code).toBe(0);
    const dir = path.join(dataDir, 'plain-0');
    expect(logsOf(dir).length).toBeGreaterThan(2);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tokens'))).toEqual([]);
  });

  it('indexes batches kcat compressed with gzip, snappy, lz4 and zstd', async () => {
    const dataDir = tempDir();
    const broker = await startBroker({ dataDir, args: ['--config', brokerConfig({ topicDefaults: { 'segment.bytes': String(SEGMENT_BYTES) } })] });
    const codecs = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
    for (const [i, codec] of codecs.entries()) {
      const input = lines(30_000, i + 1, `checkout failed ${codec}needleword for cart 42`);
      assertOk(await runTool('kcat', ['-P', '-b', broker.bootstrap, '-t', `idx-${codec}`, '-z', codec, '-X', 'linger.ms=20'], { input, timeoutMs: 60_000 }), `kcat -z ${codec}`);
    }
    for (const codec of codecs) {
      const dir = path.join(dataDir, `idx-${codec}-0`);
      await waitUntil(`the sealed segments of idx-${codec} indexed`, () => sealedSegmentsIndexed(dir), { timeoutMs: 60_000, intervalMs: 200 });
    }
    // Built in a worker thread that gives way to the broker's own (nice 19; Linux only).
    if (process.platform === 'linux') expect(threadNices(broker.proc.pid!)).toContain(19);
    expect((await broker.stop()).code).toBe(0);

    const m = await LogManager.open({ dataDir, logger: captureLogger(), tokenIndex: { executor: 'inline' } });
    try {
      await m.tokenIndexer!.idle();
      for (const codec of codecs) {
        const log = m.partition(`idx-${codec}`, 0)!;
        const blocks = log.searchSpans().flatMap((s) => (s.kind === 'block' ? [s.block] : []));
        const first = decodeBatches(await log.readRange(blocks[0]!.segmentBase, blocks[0]!.start, blocks[0]!.end));
        // librdkafka sends a batch uncompressed when compressing would not make it smaller (a lone record early on):
        // the block must hold batches of this codec, and no other.
        const kinds = new Set(first.map((b) => compressionOf(b.header.attributes)));
        expect(kinds.has(codec)).toBe(true);
        expect([...kinds].every((k) => k === codec || k === 'none')).toBe(true);
        // The needle sits near the start of the input, so in the first segment, which is sealed and indexed: its
        // block admits it; other blocks (a handful per topic, ~1 % false positives each) almost never do.
        const needle = tokenHashes(`${codec}needleword`);
        let holders = 0;
        for (const b of blocks) {
          const records = decodeBatches(await log.readRange(b.segmentBase, b.start, b.end)).flatMap((x) => x.records);
          if (!records.some((r) => r.value?.toString().includes(`${codec}needleword`))) continue;
          holders++;
          expect(b.mayContainAll(needle)).toBe(true);
        }
        expect(holders).toBe(1);
        expect(blocks.filter((b) => b.mayContainAll(needle)).length).toBeLessThanOrEqual(2);
      }
    } finally {
      await m.close();
    }
    await verifyDataDir(dataDir, codecs.map((c) => `idx-${c}`));
  }, 240_000);

  it('restarts with a correct index after kill -9 while producing', async () => {
    const dataDir = tempDir();
    const config = brokerConfig({ topicDefaults: { 'segment.bytes': String(SEGMENT_BYTES) } });
    const broker = await startBroker({ dataDir, args: ['--config', config] });
    const dir = path.join(dataDir, 'crashy-0');
    const input = path.join(tempDir(), 'lines.txt');
    fs.writeFileSync(input, lines(200_000, 11));
    const producing = runTool('kcat', ['-P', '-b', broker.bootstrap, '-t', 'crashy', '-l', input], { timeoutMs: 120_000 });
    // Kill it once sidecars are being written (several segments in), while kcat is still sending.
    await waitUntil('sidecars being written', () => fs.existsSync(dir) && fs.readdirSync(dir).filter((f) => f.endsWith('.tokens')).length >= 4, { timeoutMs: 60_000, intervalMs: 20 });
    await broker.kill9();
    await producing;

    const restarted = await startBroker({ dataDir, args: ['--config', config] });
    // More records after the restart, so blocks are cut both before and after the crash.
    assertOk(await runTool('kcat', ['-P', '-b', restarted.bootstrap, '-t', 'crashy'], { input: lines(20_000, 12, 'after restart capybaraword'), timeoutMs: 60_000 }), 'kcat after restart');
    await waitUntil('the sealed segments indexed again', () => sealedSegmentsIndexed(dir), { timeoutMs: 90_000, intervalMs: 200 });
    expect((await restarted.stop()).code).toBe(0);
    await verifyDataDir(dataDir, ['crashy']);
  }, 300_000);
});
