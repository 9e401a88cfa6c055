// The search index in the produce scenario: how big the sidecars are against the log bytes they cover, and how long
// after the producer finished the broker's worker caught up. Read from the data directory with the built storage code
// (dist/), the way the broker reads it at start-up. BENCH_SEARCH_INDEX=0 runs the broker with searchIndex off.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './child.js';

const DIST = new URL('../dist/src/storage/token-index/segment-token-index.js', import.meta.url);
const BLOCK_BYTES = 1024 * 1024;

/** True unless BENCH_SEARCH_INDEX is 0/false/off. */
export function searchIndexOn() {
  return !/^(0|false|off)$/i.test(process.env.BENCH_SEARCH_INDEX ?? '1');
}

/** Sidecar bytes, log bytes, and log bytes the sidecars cover, over every partition directory of `topic`. */
async function measure(dataDir, topic) {
  const { readTokenIndex } = await import(DIST.href);
  const out = { indexBytes: 0, logBytes: 0, indexedBytes: 0, blocks: 0, unindexedFullBlocks: 0 };
  for (const d of readdirSync(dataDir).filter((n) => n.startsWith(`${topic}-`))) {
    const dir = join(dataDir, d);
    const logs = readdirSync(dir).filter((f) => /^\d{20}\.log$/.test(f)).sort();
    for (const [i, f] of logs.entries()) {
      const base = f.slice(0, 20);
      const size = statSync(join(dir, f)).size;
      const sidecar = join(dir, `${base}.tokens`);
      const idx = await readTokenIndex(sidecar, Number(base), size);
      const covered = idx.blocks.length ? idx.blocks[idx.blocks.length - 1].meta.end : 0;
      out.logBytes += size;
      out.indexedBytes += covered;
      out.blocks += idx.blocks.length;
      out.indexBytes += existsSync(sidecar) ? statSync(sidecar).size : 0;
      // What is still to build: everything of a sealed segment, whole blocks of the active one.
      const sealed = i < logs.length - 1;
      if (sealed ? covered < size : size - covered >= BLOCK_BYTES) out.unindexedFullBlocks++;
    }
  }
  return out;
}

/**
 * Wait (up to `timeoutMs`) until every complete block of `topic` is indexed, then report sizes. Null with the index
 * off. `lagMs` is how long after the call the index caught up.
 */
export async function tokenIndexReport(dataDir, topic, timeoutMs = 60_000) {
  if (!searchIndexOn()) return null;
  const t0 = Date.now();
  let m = await measure(dataDir, topic);
  while (m.unindexedFullBlocks > 0 && Date.now() - t0 < timeoutMs) {
    await sleep(100);
    m = await measure(dataDir, topic);
  }
  const pct = (x, of) => (of > 0 ? Math.round((10_000 * x) / of) / 100 : null);
  return {
    caughtUp: m.unindexedFullBlocks === 0,
    lagMs: Date.now() - t0,
    blocks: m.blocks,
    indexBytes: m.indexBytes,
    logBytes: m.logBytes,
    indexedPercentOfLog: pct(m.indexedBytes, m.logBytes),
    indexSizePercent: pct(m.indexBytes, m.indexedBytes),
  };
}
