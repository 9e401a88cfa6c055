// The per-block level counts: the encoding round-trips, coarsens only when the byte budget demands it, and refuses
// bytes that cannot be right; a built block's counts equal its records counted one by one with THE level of a record.
import { describe, expect, it } from 'vitest';
import { RecordText } from '../../../src/common/level/index.js';
import { buildRecordBatch, gzipBatch } from '../../../src/protocol/record-batch-builder.js';
import { decodeBatches } from '../../../src/protocol/record-decoder.js';
import { BlockBuilder } from '../../../src/storage/token-index/block-builder.js';
import { decodeLevelCounts, LEVEL_COLUMNS, LevelCountsBuilder } from '../../../src/storage/token-index/level-counts.js';
import { decodeEntryHeader, ENTRY_HEADER_BYTES } from '../../../src/storage/token-index/token-index-file.js';
import { rng } from './index-helpers.js';

const COLS = LEVEL_COLUMNS.length;

/** The counts as a map "bucketStart/column" → count. */
function asMap(c: { starts: Float64Array; counts: Uint32Array }): Map<string, number> {
  const m = new Map<string, number>();
  c.starts.forEach((s, i) => {
    for (let l = 0; l < COLS; l++) if (c.counts[i * COLS + l]) m.set(`${s}/${l}`, c.counts[i * COLS + l]!);
  });
  return m;
}

function expected(records: { ts: number; col: number }[], res: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) {
    const k = `${Math.floor(r.ts / res) * res}/${r.col}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

describe('level counts', () => {
  it('round-trip per second when the budget allows, negative and far-apart timestamps included', () => {
    const r = rng(7);
    const recs = Array.from({ length: 2_000 }, (_, i) => ({ ts: i === 0 ? -1 : 1_700_000_000_000 + Math.floor(r() * 50_000) + (i % 3) * 86_400_000, col: Math.floor(r() * COLS) }));
    const b = new LevelCountsBuilder();
    for (const x of recs) b.add(x.ts, x.col);
    const enc = b.encode(100_000);
    const c = decodeLevelCounts(enc, recs.length)!;
    expect(c.resolution).toBe(1_000);
    expect(asMap(c)).toEqual(expected(recs, 1_000));
    expect([...c.starts]).toEqual([...c.starts].sort((a, b) => a - b));
  });

  it('coarsens to the finest resolution that fits the budget, and gives up (no counts) when none does', () => {
    const recs = Array.from({ length: 3_000 }, (_, i) => ({ ts: 1_700_000_000_000 + i * 7_000, col: i % COLS }));
    const b = new LevelCountsBuilder();
    for (const x of recs) b.add(x.ts, x.col);
    const fine = b.encode(1e9);
    expect(decodeLevelCounts(b.encode(fine.length), recs.length)!.resolution).toBe(1_000);
    const budget = fine.length - 1;
    const coarse = b.encode(budget);
    expect(coarse.length).toBeLessThanOrEqual(budget);
    const c = decodeLevelCounts(coarse, recs.length)!;
    expect(c.resolution).toBe(10_000);
    expect(decodeLevelCounts(b.encode(200), recs.length)!.resolution).toBeGreaterThan(10_000);
    expect(asMap(c)).toEqual(expected(recs, c.resolution));
    expect(b.encode(10).length).toBe(0);
  });

  it('refuses counts that do not add up to the records, a bad resolution, or bytes cut off or left over', () => {
    const b = new LevelCountsBuilder();
    for (let i = 0; i < 100; i++) b.add(1_000_000 + i * 10, i % 2);
    const enc = b.encode(1_000);
    expect(decodeLevelCounts(enc, 100)).not.toBeNull();
    expect(decodeLevelCounts(enc, 99)).toBeNull();
    expect(decodeLevelCounts(enc.subarray(0, enc.length - 1), 100)).toBeNull();
    expect(decodeLevelCounts(Buffer.concat([enc, Buffer.from([0])]), 100)).toBeNull();
    const bad = Buffer.from(enc);
    bad.writeUInt32BE(1_500, 0);
    expect(decodeLevelCounts(bad, 100)).toBeNull();
    expect(decodeLevelCounts(Buffer.alloc(0), 0)).toBeNull();
  });

  it("a built block's counts equal its records counted one by one (headers, JSON, logfmt, plain text, none; gzip and log-append time)", () => {
    const r = rng(11);
    // Shape i % 8; the variant within a shape from i / 8, so that every variant occurs.
    const shapes = [
      (i: number) => ({ value: JSON.stringify({ level: ['info', 'WARN', 50, 'dbg', 'nope'][(i >> 3) % 5], msg: `m${i}` }) }),
      (i: number) => ({ value: JSON.stringify({ log: { level: 'error' }, msg: `nested ${i}` }) }),
      (i: number) => ({ value: `ts=1 level=${['trace', 'fatal', 'warning', 'x'][(i >> 3) % 4]} msg="logfmt ${i}"` }),
      (i: number) => ({ value: `plain text ${i}`, headers: [['level', ['ERROR', 'INFO', 'bogus'][(i >> 3) % 3]!]] as [string, string][] }),
      (i: number) => ({ value: `syslog ${i}`, headers: [['severity', ['crit', 'notice'][(i >> 3) % 2]!]] as [string, string][] }),
      (i: number) => ({ value: `2026-01-01T00:00:00Z ${['ERROR', 'WARN', 'INFO'][(i >> 3) % 3]} [svc] line ${i}` }),
      (i: number) => ({ value: `E0501 12:00:00.123456 1 file.go:12] glog ${i}` }),
      (i: number) => ({ value: (i >> 3) % 2 ? `no level at all ${i}` : null }),
    ];
    const batches: Buffer[] = [];
    let offset = 0;
    for (let k = 0; k < 40; k++) {
      const recs = Array.from({ length: 50 }, (_, j) => ({ ...shapes[(k * 50 + j) % shapes.length]!(k * 50 + j), timestamp: 1_700_000_000_000 + Math.floor(r() * 30_000) }));
      let b = buildRecordBatch(recs, { baseOffset: offset, timestamp: 1_700_000_000_000 });
      if (k % 5 === 1) b = gzipBatch(b);
      if (k % 7 === 3) {
        // Log-append time: every record of the batch takes the batch's max timestamp.
        b.writeInt16BE(b.readInt16BE(21) | 0x08, 21);
      }
      batches.push(b);
      offset += recs.length;
    }
    const log = Buffer.concat(batches);
    const builder = new BlockBuilder(0, 0);
    builder.push(log, 0);
    const { meta, entry } = builder.finish()!;
    expect(decodeEntryHeader(entry, 0, 0)).toEqual(meta);
    const c = decodeLevelCounts(entry.subarray(ENTRY_HEADER_BYTES + meta.filterBytes), meta.records)!;
    expect(c.resolution).toBe(1_000);
    const text = new RecordText();
    const want: { ts: number; col: number }[] = [];
    for (const { header, records } of decodeBatches(log)) {
      const logAppend = (header.attributes & 0x08) !== 0;
      for (const rec of records) want.push({ ts: logAppend ? header.maxTimestamp : rec.timestamp, col: LEVEL_COLUMNS.indexOf(text.resetText(rec.value, rec.headers).level() ?? 'unknown') });
    }
    expect(want).toHaveLength(2_000);
    expect(asMap(c)).toEqual(expected(want, 1_000));
    // Every column occurs: the shapes above cover each level and `unknown`.
    for (let l = 0; l < COLS; l++) expect(want.some((w) => w.col === l), LEVEL_COLUMNS[l]).toBe(true);
  });
});
