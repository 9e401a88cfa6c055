// The two ways /metrics/query writes its answer from typed columns: JSON written number by number into one buffer
// (every number must parse back to the same double, empty buckets null) and the binary columns form (header, then
// float64 columns at 8-byte aligned offsets; corrupt input refused with a clear error).
import { describe, expect, it } from 'vitest';
import {
  answerJson,
  CorruptColumnsError,
  decodeColumnsAnswer,
  encodeColumnsAnswer,
  parseMetricsQuery,
  runMetricsColumns,
  runMetricsQuery,
  writeJsonNumber,
  type MetricsColumns,
} from '../../../src/metrics/query/index.js';
import { MemoryMetrics } from '../../helpers/memory-metrics.js';

const num = (v: number) => {
  const b = Buffer.alloc(32);
  return b.toString('latin1', 0, writeJsonNumber(b, 0, v));
};

const stats = { tier: 'raw' as const, step: 10_000, seriesRead: 2, pointsRead: 3, elapsedMs: 0.5 };
const small = (): MetricsColumns => ({
  timestamps: Float64Array.of(1_700_000_000_000, 1_700_000_010_000),
  series: [
    { tags: { host: 'a' }, values: Float64Array.of(1.5, NaN) },
    { tags: { host: 'bé' }, values: Float64Array.of(-2, 0.1 + 0.2) },
  ],
  stats,
});

describe('JSON numbers written digit by digit', () => {
  it('spells decimals, integers and empty buckets as a person would', () => {
    expect(num(0)).toBe('0');
    expect(num(-0)).toBe('0');
    expect(num(7)).toBe('7');
    expect(num(1_700_000_010_000)).toBe('1700000010000');
    expect(num(-12.5)).toBe('-12.5');
    expect(num(12.34)).toBe('12.34');
    expect(num(0.05)).toBe('0.05');
    expect(num(3.000001)).toBe('3.000001');
    expect(num(100.1)).toBe('100.1');
    expect(num(NaN)).toBe('null');
    expect(num(Infinity)).toBe('null');
    expect(num(-Infinity)).toBe('null');
  });

  it('falls back to the shortest form where six decimals do not hold the value', () => {
    expect(num(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(num(1 / 3)).toBe('0.3333333333333333');
    expect(num(1e-7)).toBe('1e-7');
    expect(num(2 ** 60)).toBe('1152921504606847000');
    expect(num(-1.5e300)).toBe('-1.5e+300');
  });

  it('every number parses back to the same double (a bounded sweep of awkward values)', () => {
    const vals: number[] = [];
    for (let i = 0; i < 2000; i++) vals.push(i / 100, i / 1000 + 0.0000005, -i * 1.1, i / 7, (i * 1e6 + 1) / 1e6, i * 123456.789, 2 ** 53 - i, i * 1e-6);
    for (const v of vals) expect(Number(num(v)) === v, `${v} written as ${num(v)}`).toBe(true);
  });
  it('below 2,147 (written in int32 arithmetic) spells a value of at most six decimals as String does', () => {
    // Deterministic sweep over the int32 path's range and its edges: integer parts of 1 to 4 digits, 0 to 6 decimals.
    let seed = 9;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const vals = [0.000001, 0.5, 9.999999, 10, 99.99, 100.000001, 999.9, 1000, 2146.999999, 2147, 2147.000001, 2146.9999995];
    for (let i = 0; i < 20_000; i++) vals.push(Math.round(rand() * 2147e6) / 10 ** (i % 7) / 10 ** (6 - (i % 7)));
    for (const v of vals) {
      for (const x of [v, -v]) {
        const text = num(x);
        expect(Number(text) === x || (x === 0 && text === '0'), `${x} written as ${text}`).toBe(true);
        if (!/e/.test(String(x))) expect(text, `${x}`).toBe(String(x));
      }
    }
  });
});

describe('answerJson', () => {
  it('writes the answer JSON.stringify would, nulls for empty buckets', () => {
    const text = answerJson(small()).toString('utf8');
    expect(text).toBe(
      '{"timestamps":[1700000000000,1700000010000],"series":[{"tags":{"host":"a"},"values":[1.5,null]},' +
        '{"tags":{"host":"bé"},"values":[-2,0.30000000000000004]}],"stats":{"tier":"raw","step":10000,"seriesRead":2,"pointsRead":3,"elapsedMs":0.5}}',
    );
    expect(answerJson(small(), '"type":"answer",').toString('utf8')).toMatch(/^\{"type":"answer","timestamps":\[/);
  });

  it('equals runMetricsQuery\'s answer through JSON.stringify for a real query (grows past its first guess)', () => {
    const m = new MemoryMetrics();
    const T = 1_700_000_040_000;
    for (let h = 0; h < 40; h++) {
      const pts: [number, number][] = [];
      for (let i = 0; i < 300; i++) if (Math.floor(i / 4 + h) % 5 !== 0) pts.push([T + i * 1000, (i * h) / 3 + h * 1e9]);
      m.add('cpu', 'usage', { host: `h${h}` }, pts);
    }
    const q = parseMetricsQuery({ measurement: 'cpu', field: 'usage', by: 'host', agg: 'avg', step: '2s', from: String(T), to: String(T + 300_000) }, T + 300_000);
    const cols = runMetricsColumns(m, q);
    const arrays = runMetricsQuery(m, q);
    const parsed = JSON.parse(answerJson(cols).toString('utf8'));
    expect({ ...parsed, stats: null }).toEqual({ ...JSON.parse(JSON.stringify(arrays)), stats: null });
    expect(parsed.series[0].values).toContain(null);
  });
});

describe('binary columns', () => {
  it('lays out the header and 8-byte aligned float64 columns (checked byte by byte)', () => {
    const bytes = encodeColumnsAnswer(small());
    expect(bytes.toString('latin1', 0, 4)).toBe('TRC1');
    const h = bytes.readUInt32LE(4);
    const header = JSON.parse(bytes.toString('utf8', 8, 8 + h));
    expect(header).toEqual({ buckets: 2, series: [{ tags: { host: 'a' } }, { tags: { host: 'bé' } }], stats });
    const start = Math.ceil((8 + h) / 8) * 8;
    for (let i = 8 + h; i < start; i++) expect(bytes[i]).toBe(0);
    expect(bytes.length).toBe(start + 3 * 2 * 8);
    expect(bytes.readDoubleLE(start)).toBe(1_700_000_000_000);
    expect(bytes.readDoubleLE(start + 8)).toBe(1_700_000_010_000);
    expect(bytes.readDoubleLE(start + 16)).toBe(1.5);
    expect(bytes.readDoubleLE(start + 24)).toBeNaN();
    expect(bytes.readDoubleLE(start + 32)).toBe(-2);
    expect(bytes.readDoubleLE(start + 40)).toBe(0.1 + 0.2);
  });

  it('round trips', () => {
    const back = decodeColumnsAnswer(encodeColumnsAnswer(small()));
    expect(Array.from(back.timestamps)).toEqual([1_700_000_000_000, 1_700_000_010_000]);
    expect(back.series.map((s) => s.tags)).toEqual([{ host: 'a' }, { host: 'bé' }]);
    expect(Array.from(back.series[0]!.values)).toEqual([1.5, NaN]);
    expect(Array.from(back.series[1]!.values)).toEqual([-2, 0.1 + 0.2]);
    expect(back.stats).toEqual(stats);
    const none = decodeColumnsAnswer(encodeColumnsAnswer({ timestamps: new Float64Array(0), series: [], stats }));
    expect(none.timestamps.length).toBe(0);
    expect(none.series).toEqual([]);
  });

  it('refuses corrupt answers with a clear error', () => {
    const good = encodeColumnsAnswer(small());
    const bad = (b: Uint8Array, re: RegExp) => {
      expect(() => decodeColumnsAnswer(b)).toThrow(CorruptColumnsError);
      expect(() => decodeColumnsAnswer(b)).toThrow(re);
    };
    bad(good.subarray(0, 5), /shorter than its 8-byte preamble/);
    const magic = Buffer.from(good);
    magic.write('XRC1', 0, 'latin1');
    bad(magic, /starts with "XRC1", not TRC1/);
    bad(good.subarray(0, good.length - 8), /bytes where 2 series of 2 buckets take/);
    bad(Buffer.concat([good, Buffer.alloc(8)]), /bytes where 2 series of 2 buckets take/);
    const long = Buffer.from(good);
    long.writeUInt32LE(1 << 30, 4);
    bad(long, /header of 1073741824 bytes runs past the end/);
    const json = Buffer.from(good);
    json[8] = 0x7b + 1;
    bad(json, /header is not JSON/);
  });
});
