// What building the token index costs per block, on the search benchmark's lines: CPU time of BlockBuilder over
// ~BENCH_INDEX_MB (default 22) MB of uncompressed batches of 500 records, with and without the per-record level
// (RecordText.level) the level counts need, in alternating rounds. Needs `npm run build` (reads dist/).
// Usage: node bench/index-build.js [rounds=5]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLogLines } from './search-data.js';

const dist = new URL('../dist/src/', import.meta.url);
const { buildRecordBatch } = await import(new URL('protocol/record-batch-builder.js', dist).href);
const { BlockBuilder } = await import(new URL('storage/token-index/block-builder.js', dist).href);
const { RecordText } = await import(new URL('common/level/index.js', dist).href);

const rounds = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'index-build-'));
try {
  const file = join(dir, 'lines.txt');
  writeLogLines(file, Number(process.env.BENCH_INDEX_MB ?? 22), 0);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const batches = [];
  for (let i = 0; i < lines.length; i += 500) batches.push(buildRecordBatch(lines.slice(i, i + 500).map((value) => ({ value })), { baseOffset: i, timestamp: Date.now() }));
  const log = Buffer.concat(batches);
  const build = () => {
    const t0 = process.cpuUsage();
    for (let pos = 0; pos < log.length; ) {
      const b = new BlockBuilder(0, pos);
      pos = b.push(log.subarray(pos), pos).consumedTo;
      b.finish();
    }
    const u = process.cpuUsage(t0);
    return (u.user + u.system) / 1000;
  };
  const level = RecordText.prototype.level;
  const withLevel = [];
  const without = [];
  for (let r = 0; r < rounds; r++) {
    RecordText.prototype.level = level;
    withLevel.push(build());
    RecordText.prototype.level = () => null;
    without.push(build());
  }
  RecordText.prototype.level = level;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mb = log.length / 1e6;
  const a = median(withLevel);
  const b = median(without);
  console.log(`${lines.length} lines, ${mb.toFixed(1)} MB of batches; CPU ms per round (median of ${rounds}, first round is warm-up too):`);
  console.log(`  with levels ${a.toFixed(0)} ms (${(mb / (a / 1000)).toFixed(0)} MB/s), without ${b.toFixed(0)} ms (${(mb / (b / 1000)).toFixed(0)} MB/s): levels cost ${((1000 * (a - b)) / lines.length).toFixed(2)} us per record`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
