import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/collect/tail/line-splitter.js';
import { truncateBytes } from '../../../src/collect/tail/truncate.js';

function run(chunks: string[], max = 1024): { lines: [string, number, number][]; splitter: LineSplitter; flush: () => [string, number, number][] } {
  const s = new LineSplitter(max);
  const lines: [string, number, number][] = [];
  const on = (buf: Buffer, start: number, end: number, total: number, endOffset: number) => lines.push([buf.toString('utf8', start, end), total, endOffset]);
  let offset = 0;
  for (const c of chunks) {
    const b = Buffer.from(c);
    // A reused read buffer is bigger than what was read: only the first `len` bytes count.
    const big = Buffer.concat([b, Buffer.from('\nGARBAGE\n')]);
    s.push(big, b.length, offset, on);
    offset += b.length;
  }
  return {
    lines,
    splitter: s,
    flush: () => {
      s.flush(on);
      return lines;
    },
  };
}

describe('LineSplitter', () => {
  it('emits complete lines with the offset past their newline and keeps the partial tail', () => {
    const { lines, flush } = run(['a\nbb\r\nc', 'c', 'c\n\nd']);
    expect(lines).toEqual([
      ['a', 1, 2],
      ['bb', 2, 6],
      ['ccc', 3, 10],
      ['', 0, 11],
    ]);
    expect(flush().at(-1)).toEqual(['d', 1, 12]);
  });

  it('keeps only maxLineBytes of a long line across chunks and counts the rest', () => {
    const chunk = 'x'.repeat(100);
    const { lines, splitter } = run([chunk, chunk, chunk, 'y\nnext\n'], 150);
    expect(splitter.bufferedBytes).toBeLessThanOrEqual(150);
    expect(lines[0]![0]).toBe('x'.repeat(150));
    expect(lines[0]![1]).toBe(301);
    expect(lines[0]![2]).toBe(302);
    expect(lines[1]).toEqual(['next', 4, 307]);
  });
  it('counts an over-long CRLF line the same whether it came in one read or several (found by fuzzing)', () => {
    const line = `${'x'.repeat(20)}\r\n`;
    const whole = run([line], 8).lines;
    expect(whole).toEqual([['x'.repeat(20), 20, 22]]); // the caller cuts to 8 bytes; 20 is the line without its CR
    // Split: only the first 8 bytes are kept and the rest (CR included) is counted; the CR must not be.
    expect(run([line.slice(0, 3), line.slice(3)], 8).lines).toEqual([['x'.repeat(8), 20, 22]]);
    expect(run([line.slice(0, 21), line.slice(21)], 8).lines).toEqual([['x'.repeat(8), 20, 22]]);
  });
});

describe('truncateBytes', () => {
  it('fits the head and the marker within the limit', () => {
    const buf = Buffer.from('a'.repeat(1000));
    const out = truncateBytes(buf, 0, 1000, 10_000_000, 100);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(100);
    expect(out).toMatch(/^a+…\[truncated \d+ bytes\]$/);
    const kept = out.indexOf('…');
    expect(out).toContain(`[truncated ${10_000_000 - kept} bytes]`);
  });

  it('never splits a UTF-8 character', () => {
    const buf = Buffer.from('é'.repeat(100)); // 2 bytes each
    for (let max = 60; max < 70; max++) {
      const out = truncateBytes(buf, 0, buf.length, buf.length, max);
      expect(out).not.toContain('\uFFFD');
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
    }
  });
});
