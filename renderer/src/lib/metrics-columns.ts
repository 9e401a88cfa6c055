// The binary columns answer of /metrics/query (format=columns; layout in src/metrics/query/answer-binary.ts and
// docs/metrics-queries.md), read in the browser: the columns are viewed in place as Float64Arrays, no number parsed.
// A chart's window (series-window.ts) takes arrays with null for an empty bucket, so NaN becomes null here.

/** The JSON answer's shape (series-window.ts's SeriesAnswer with the stats), spelled out: this file imports nothing. */
export interface ColumnsAnswer {
  timestamps: number[];
  series: { tags: Record<string, string>; values: (number | null)[] }[];
  stats: { step: number; tier?: string; elapsedMs?: number };
}

const MAGIC = 'TRC1';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function readColumnsAnswer(buf: ArrayBuffer): ColumnsAnswer {
  const bytes = new Uint8Array(buf);
  const bad = (why: string) => new Error(`the server's columns answer is corrupt: ${why}`);
  if (bytes.length < 8) throw bad(`${bytes.length} bytes`);
  if (String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!) !== MAGIC) throw bad('it does not start with TRC1');
  const view = new DataView(buf);
  const h = view.getUint32(4, true);
  if (8 + h > bytes.length) throw bad('its header runs past the end');
  let header: { buckets: number; series: { tags: Record<string, string> }[]; stats: ColumnsAnswer['stats'] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + h)));
  } catch {
    throw bad('its header is not JSON');
  }
  const n = header.buckets;
  const start = (8 + h + 7) & ~7;
  if (!Number.isInteger(n) || !Array.isArray(header.series) || bytes.length !== start + (header.series.length + 1) * n * 8) throw bad('its length does not match its header');
  const col = (k: number): Float64Array => {
    const at = start + k * n * 8;
    if (LITTLE_ENDIAN) return new Float64Array(buf, at, n);
    return Float64Array.from({ length: n }, (_, i) => view.getFloat64(at + i * 8, true));
  };
  const values = (c: Float64Array): (number | null)[] => {
    const out = new Array<number | null>(c.length);
    for (let i = 0; i < c.length; i++) out[i] = c[i] === c[i] ? c[i]! : null;
    return out;
  };
  return { timestamps: Array.from(col(0)), series: header.series.map((s, k) => ({ tags: s.tags, values: values(col(k + 1)) })), stats: header.stats };
}
