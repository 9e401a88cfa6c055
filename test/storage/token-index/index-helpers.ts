// Shared checks for token-index tests: that spans cover a partition's log exactly, and that no block denies a token
// one of its records holds (the index's one promise). Checked against the records decoded by the protocol's decoder,
// not by the index's own walk.
import { expect } from 'vitest';
import { decodeBatches } from '../../../src/protocol/record-decoder.js';
import type { PartitionLog, SearchSpan } from '../../../src/storage/index.js';
import { tokenHashes } from '../../../src/storage/token-index/tokens.js';
export { rng } from '../../helpers/seeded-random.js';

/** Spans are back to back from position 0 to the end of every segment, offsets continuing. */
export function expectExactCover(log: PartitionLog, spans: SearchSpan[] = log.searchSpans()): void {
  const bySegment = new Map<number, { start: number; end: number; first: number }[]>();
  for (const s of spans) {
    const base = s.kind === 'block' ? s.block.segmentBase : s.segmentBase;
    const r = s.kind === 'block' ? { start: s.block.start, end: s.block.end, first: s.block.firstOffset } : { start: s.start, end: s.end, first: s.firstOffset };
    bySegment.set(base, [...(bySegment.get(base) ?? []), r]);
  }
  const nonEmpty = log.segments.filter((s) => s.size > 0);
  expect([...bySegment.keys()]).toEqual(nonEmpty.map((s) => s.baseOffset));
  for (const seg of nonEmpty) {
    const ranges = bySegment.get(seg.baseOffset)!;
    expect(ranges[0]!.start).toBe(0);
    expect(ranges[0]!.first).toBe(seg.baseOffset);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.start).toBe(ranges[i - 1]!.end);
    expect(ranges[ranges.length - 1]!.end).toBe(seg.size);
  }
}

/** Every text a record holds for search: value, key, header keys and values. */
export function recordTexts(r: { key: Buffer | null; value: Buffer | null; headers: [string, Buffer | null][] }): string[] {
  const out: string[] = [];
  if (r.value) out.push(r.value.toString('utf8'));
  if (r.key) out.push(r.key.toString('utf8'));
  for (const [k, v] of r.headers) out.push(k, v ? v.toString('utf8') : '');
  return out;
}

/**
 * For every indexed block: its batches decode, their offsets and record count match the block, and every token of
 * every record is admitted by the filter. Returns the number of blocks checked.
 */
export async function expectNoFalseNegatives(log: PartitionLog): Promise<number> {
  let blocks = 0;
  for (const s of log.searchSpans()) {
    if (s.kind !== 'block') continue;
    const b = s.block;
    const bytes = await log.readRange(b.segmentBase, b.start, b.end);
    expect(bytes.length).toBe(b.end - b.start);
    const batches = decodeBatches(bytes);
    expect(batches[0]!.header.baseOffset).toBe(b.firstOffset);
    const last = batches[batches.length - 1]!.header;
    expect(last.baseOffset + last.lastOffsetDelta).toBe(b.lastOffset);
    let records = 0;
    const denied: string[] = [];
    for (const { header, records: recs } of batches) {
      if (header.attributes & 0x20) continue;
      records += recs.length;
      for (const r of recs) {
        for (const text of recordTexts(r)) for (const h of tokenHashes(text)) if (!b.mayContainAll([h])) denied.push(text);
      }
    }
    expect(denied.slice(0, 3)).toEqual([]);
    expect(b.records).toBe(records);
    blocks++;
  }
  return blocks;
}

const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const SERVICES = ['api', 'auth', 'billing', 'search', 'worker', 'gateway', 'db-proxy', 'scheduler'];
const PATHS = ['/api/v1/orders', '/api/v1/users/{id}', '/login', '/healthz', '/api/v1/search', '/static/app.js'];

function uuid(r: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

/** Realistic log lines: mixed levels, hosts and services, plain text and JSON, with request ids and uuids. */
export function logLine(r: () => number, i: number, ts = 1_764_600_000_000 + i * 7): string {
  const level = LEVELS[Math.floor(r() * LEVELS.length)]!;
  const svc = SERVICES[Math.floor(r() * SERVICES.length)]!;
  const host = `web-${String(Math.floor(r() * 40)).padStart(2, '0')}`;
  const ms = Math.floor(r() * 2000);
  const path = PATHS[Math.floor(r() * PATHS.length)]!;
  const status = [200, 200, 200, 201, 204, 301, 404, 500, 503][Math.floor(r() * 9)]!;
  const reqId = Math.floor(r() * 2 ** 32).toString(36);
  switch (i % 3) {
    case 0:
      return JSON.stringify({ ts: new Date(ts).toISOString(), level: level.toLowerCase(), service: svc, host, msg: `${path} answered ${status}`, duration_ms: ms, request_id: reqId, user: uuid(r) });
    case 1:
      return `${new Date(ts).toISOString()} ${level} [${svc}] ${host} GET ${path} status=${status} duration=${ms}ms req=${reqId} trace=${uuid(r)}`;
    default:
      return `level=${level.toLowerCase()} ts=${ts} service=${svc} host=${host} msg="connection pool ${Math.floor(r() * 64)}/64 in use" request_id=${reqId}`;
  }
}
