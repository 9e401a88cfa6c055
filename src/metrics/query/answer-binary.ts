import type { MetricsColumns, MetricsQueryStats } from './run.js';

/*
 * The binary columnar answer of /metrics/query (`format=columns`, or `Accept: application/vnd.tributary.columns`):
 * the typed columns as they are, so an answer of 1,000 series × 360 buckets is a copy of 2.9 MB instead of 360,000
 * numbers formatted and parsed again, and the client gets Float64Arrays (what uPlot draws) without a parse.
 *
 *   0   "TRC1"                  magic and version
 *   4   uint32 LE  H            length of the header
 *   8   H bytes of UTF-8 JSON   {"buckets":N,"series":[{"tags":{…}}…],"stats":{…}}
 *       zero bytes up to a multiple of 8 (the columns can be viewed in place as Float64Arrays)
 *       N float64 LE            bucket starts, epoch ms
 *       N float64 LE per series its values, in the header's order; NaN where the bucket is empty (null in JSON)
 */

export const COLUMNS_MEDIA_TYPE = 'application/vnd.tributary.columns';
const MAGIC = 'TRC1';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class CorruptColumnsError extends Error {
  constructor(message: string) {
    super(`corrupt columns answer: ${message}`);
    this.name = 'CorruptColumnsError';
  }
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Float64 values at out[at…] little-endian (a copy on little-endian hosts, byte swaps elsewhere). */
function putColumn(out: Buffer, at: number, col: Float64Array): void {
  const bytes = new Uint8Array(col.buffer, col.byteOffset, col.byteLength);
  if (LITTLE_ENDIAN) out.set(bytes, at);
  else for (let i = 0; i < col.length; i++) out.writeDoubleLE(col[i]!, at + i * 8);
}

export function encodeColumnsAnswer(a: MetricsColumns): Buffer {
  const n = a.timestamps.length;
  const header = Buffer.from(JSON.stringify({ buckets: n, series: a.series.map((s) => ({ tags: s.tags })), stats: a.stats }), 'utf8');
  const start = pad8(8 + header.length);
  const out = Buffer.alloc(start + (a.series.length + 1) * n * 8);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  putColumn(out, start, a.timestamps);
  for (let k = 0; k < a.series.length; k++) {
    const v = a.series[k]!.values;
    if (v.length !== n) throw new Error(`series ${k} has ${v.length} values for ${n} buckets`);
    putColumn(out, start + (k + 1) * n * 8, v);
  }
  return out;
}

/** Reads an answer back (the API's clients, tests); every inconsistency is a CorruptColumnsError. */
export function decodeColumnsAnswer(bytes: Uint8Array): MetricsColumns {
  if (bytes.length < 8) throw new CorruptColumnsError(`${bytes.length} bytes, shorter than its 8-byte preamble`);
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== MAGIC) throw new CorruptColumnsError(`starts with ${JSON.stringify(magic)}, not ${MAGIC}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = view.getUint32(4, true);
  if (8 + h > bytes.length) throw new CorruptColumnsError(`header of ${h} bytes runs past the end (${bytes.length} bytes)`);
  let header: { buckets: number; series: { tags: Record<string, string> }[]; stats: MetricsQueryStats };
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, h).toString('utf8'));
  } catch (e) {
    throw new CorruptColumnsError(`header is not JSON (${(e as Error).message})`);
  }
  const n = header?.buckets;
  if (!Number.isInteger(n) || n < 0 || !Array.isArray(header.series)) throw new CorruptColumnsError('header lacks buckets or series');
  const start = pad8(8 + h);
  const want = start + (header.series.length + 1) * n * 8;
  if (bytes.length !== want) throw new CorruptColumnsError(`${bytes.length} bytes where ${header.series.length} series of ${n} buckets take ${want}`);
  const col = (k: number): Float64Array => {
    const at = start + k * n * 8;
    const out = new Float64Array(n);
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(at, at + n * 8));
    else for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + i * 8, true);
    return out;
  };
  return { timestamps: col(0), series: header.series.map((s, k) => ({ tags: s.tags, values: col(k + 1) })), stats: header.stats };
}
