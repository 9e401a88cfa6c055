import { describe, expect, it } from 'vitest';
import { FrameParser } from '../../src/protocol/framing.js';

function frame(body: string): Buffer {
  const b = Buffer.from(body);
  const out = Buffer.alloc(4 + b.length);
  out.writeInt32BE(b.length, 0);
  b.copy(out, 4);
  return out;
}

describe('FrameParser', () => {
  it('reassembles frames fed one byte at a time', () => {
    const p = new FrameParser(1000);
    const all = Buffer.concat([frame('hello'), frame(''), frame('world!')]);
    const got: string[] = [];
    for (const byte of all) for (const f of p.push(Buffer.from([byte]))) got.push(f.toString());
    expect(got).toEqual(['hello', '', 'world!']);
    expect(p.pendingBytes).toBe(0);
  });

  it('splits many frames delivered in one chunk', () => {
    const p = new FrameParser(1000);
    const got = p.push(Buffer.concat([frame('a'), frame('bb'), frame('ccc').subarray(0, 5)]));
    expect(got.map(String)).toEqual(['a', 'bb']);
    expect(p.push(frame('ccc').subarray(5)).map(String)).toEqual(['ccc']);
  });

  it('rejects negative and oversized lengths', () => {
    expect(() => new FrameParser(10).push(Buffer.from([0, 0, 0, 11]))).toThrow(/frame size 11/);
    expect(() => new FrameParser(10).push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/frame size -1/);
  });
});
