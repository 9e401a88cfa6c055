// The Metrics view reads /metrics/query in the binary columns form: bytes the server's encoder wrote come back as the
// JSON answer's columns (empty buckets null), and bytes that are not such an answer give a clear error.
import { describe, expect, it } from 'vitest';
import { readColumnsAnswer } from '../../renderer/src/lib/metrics-columns.js';
import { encodeColumnsAnswer } from '../../src/metrics/query/index.js';

const stats = { tier: '1m' as const, step: 60_000, seriesRead: 3, pointsRead: 9, elapsedMs: 1.25 };
const bytes = () => {
  const b = encodeColumnsAnswer({
    timestamps: Float64Array.of(0, 60_000, 120_000),
    series: [
      { tags: { host: 'a', cpu: 'cpu0' }, values: Float64Array.of(1, NaN, 2.5) },
      { tags: { host: 'ü' }, values: Float64Array.of(NaN, NaN, -7) },
    ],
    stats,
  });
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
};

describe('readColumnsAnswer', () => {
  it('gives the columns of the JSON answer, null for an empty bucket', () => {
    expect(readColumnsAnswer(bytes())).toEqual({
      timestamps: [0, 60_000, 120_000],
      series: [
        { tags: { host: 'a', cpu: 'cpu0' }, values: [1, null, 2.5] },
        { tags: { host: 'ü' }, values: [null, null, -7] },
      ],
      stats,
    });
  });

  it('refuses bytes that are not a columns answer', () => {
    const b = bytes();
    expect(() => readColumnsAnswer(b.slice(0, 4))).toThrow(/columns answer is corrupt: 4 bytes/);
    expect(() => readColumnsAnswer(new TextEncoder().encode('{"timestamps":[]}').buffer as ArrayBuffer)).toThrow(/does not start with TRC1/);
    expect(() => readColumnsAnswer(b.slice(0, b.byteLength - 8))).toThrow(/length does not match its header/);
  });
});
