// Property-based fuzzing of the Kafka frame decoder (fast-check; seed and replay: test/helpers/fuzz.ts): a byte stream
// gives the same frames however it is chunked, arbitrary bytes fail only with DecodeError, and a size prefix alone
// never makes the parser allocate (it buffers only what has arrived).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser } from '../../src/protocol/framing.js';
import { DecodeError } from '../../src/protocol/reader.js';
import { cutPoints, fuzzParams, splitAt } from '../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);
const MAX = 1024;

const framed = (bodies: Uint8Array[]) =>
  Buffer.concat(
    bodies.flatMap((b) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(b.length, 0);
      return [size, Buffer.from(b)];
    }),
  );

describe('Kafka frame decoder fuzzing', () => {
  it('the same stream cut anywhere gives the same frames, and nothing is left over', () => {
    const stream = fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }).chain((bodies) => {
      const data = framed(bodies);
      return fc.tuple(fc.constant(bodies), fc.constant(data), cutPoints(data.length));
    });
    fc.assert(
      fc.property(stream, ([bodies, data, cuts]) => {
        const p = new FrameParser(MAX);
        const got: Buffer[] = [];
        for (const chunk of splitAt(data, cuts)) got.push(...p.push(chunk).map((f) => Buffer.from(f)));
        expect(got.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
        expect(p.pendingBytes).toBe(0);
      }),
      params(2000),
    );
  });

  it('arbitrary bytes: frames within the limit, or a DecodeError; buffered bytes never exceed what was sent', () => {
    const chunks = fc.array(
      fc.oneof(fc.uint8Array({ maxLength: 32 }), fc.constantFrom(Uint8Array.of(0x7f, 0xff, 0xff, 0xff), Uint8Array.of(0, 0, 4, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff))),
      { maxLength: 10 },
    );
    fc.assert(
      fc.property(chunks, (cs) => {
        const p = new FrameParser(MAX);
        let sent = 0;
        let received = 0;
        try {
          for (const c of cs) {
            sent += c.length;
            for (const f of p.push(Buffer.from(c))) {
              expect(f.length).toBeLessThanOrEqual(MAX);
              received += 4 + f.length;
            }
            // Pending: what was sent and not handed out, less the size prefix of a frame still being received.
            expect([sent - received, sent - received - 4]).toContain(p.pendingBytes);
          }
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          expect(e.message).toMatch(/^frame size -?\d+ outside 0\.\.1024/);
        }
      }),
      params(2000),
    );
  });
});
