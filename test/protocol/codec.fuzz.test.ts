// Property-based fuzzing of the Kafka codec (fast-check; seed and replay: test/helpers/fuzz.ts). Every message schema
// at every version: valid values survive encode → decode → encode byte for byte, and arbitrary or mutated bytes fed
// to the request path the broker runs (header, tagged fields, body) only ever throw DecodeError, without the work or
// the allocation following the sender's length fields.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readHeaderPrefix } from '../../src/protocol/header.js';
import { DecodeError, Reader, REQUEST_ARRAY_ELEMENTS_LIMIT } from '../../src/protocol/reader.js';
import { codecFor, inRange, isFlexible, type MessageDef } from '../../src/protocol/schema.js';
import * as schemas from '../../src/protocol/schemas/index.js';
import { Writer } from '../../src/protocol/writer.js';
import { fuzzParams, mutated } from '../helpers/fuzz.js';
import { allMessageVersions, messageArbitrary } from '../helpers/schema-arbitrary.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);
const requests = (Object.values(schemas) as MessageDef[]).filter((d) => d.name.endsWith('Request'));
const byKey = new Map(requests.map((d) => [d.apiKey, d]));

function encode(def: MessageDef, version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  codecFor(def, version).encode(w, value as never);
  return w.toBuffer();
}

/** A request frame (without the size prefix) as a client sends it. */
function requestFrame(def: MessageDef, version: number, value: Record<string, unknown>, clientId: string | null): Buffer {
  const w = new Writer(64);
  w.int16(def.apiKey).int16(version).int32(7).nullableString(clientId);
  if (isFlexible(def, version)) w.uvarint(0);
  codecFor(def, version).encode(w, value as never);
  return w.toBuffer();
}

/** What the broker does with a frame (src/broker/connection.ts dispatch): header, then the body of a known API. */
function decodeRequest(frame: Buffer): unknown {
  const r = new Reader(frame, 0, frame.length, REQUEST_ARRAY_ELEMENTS_LIMIT);
  const header = readHeaderPrefix(r);
  const def = byKey.get(header.apiKey);
  if (!def || !inRange(def.validVersions, header.apiVersion)) return header;
  if (isFlexible(def, header.apiVersion)) r.taggedFields();
  return codecFor(def, header.apiVersion).decode(r);
}

/** Runs `fn`; anything thrown other than DecodeError fails the property. */
function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

const messageVersion = fc.constantFrom(...allMessageVersions());
const requestVersion = fc.constantFrom(...allMessageVersions('Request'));

describe('Kafka codec fuzzing', () => {
  it('every message at every version: encode → decode → encode gives the same bytes, and decoding uses them all', () => {
    fc.assert(
      fc.property(
        messageVersion.chain(({ def, version }) => messageArbitrary(def, version).map((value) => ({ def, version, value }))),
        ({ def, version, value }) => {
          const bytes = encode(def, version, value);
          const r = new Reader(bytes);
          const decoded = codecFor(def, version).decode(r);
          expect(r.remaining).toBe(0);
          expect(encode(def, version, decoded as Record<string, unknown>).equals(bytes)).toBe(true);
        },
      ),
      params(3000),
    );
  }, 60_000);

  it('mutated valid request frames only ever fail with DecodeError', () => {
    const frames = requestVersion.chain(({ def, version }) =>
      fc.tuple(messageArbitrary(def, version), fc.option(fc.string({ maxLength: 8 }), { nil: null })).map(([v, id]) => requestFrame(def, version, v, id)),
    );
    fc.assert(
      fc.property(mutated(frames), (frame) => onlyDecodeErrors(() => decodeRequest(frame))),
      params(4000),
    );
  }, 60_000);

  it('arbitrary bytes after a valid header, and arbitrary headers, only ever fail with DecodeError', () => {
    const header = fc.tuple(requestVersion, fc.boolean()).map(([{ def, version }, tagged]) => {
      const w = new Writer(16);
      w.int16(def.apiKey).int16(version).int32(1).nullableString('fuzz');
      if (tagged && isFlexible(def, version)) w.uvarint(0);
      return w.toBuffer();
    });
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Lengths and counts at their extremes are where decoders allocate or loop on the sender's word.
      fc.array(fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0xfe, 0x01), { maxLength: 48 }).map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(header, body, (h, b) => onlyDecodeErrors(() => decodeRequest(Buffer.concat([h, b])))),
      params(4000),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (b) => onlyDecodeErrors(() => decodeRequest(Buffer.from(b)))),
      params(1000),
    );
  }, 60_000);

  it('an array length is never believed beyond the bytes left, nor past the per-request element limit', () => {
    // Metadata v1: topics array of N empty names, 2 bytes each on the wire but an object each when decoded.
    const frameOf = (n: number, bytes: number) => {
      const b = Buffer.alloc(4 + bytes);
      b.writeInt32BE(n, 0);
      return b;
    };
    const decode = (b: Buffer) => codecFor(schemas.MetadataRequest, 1).decode(new Reader(b, 0, b.length, REQUEST_ARRAY_ELEMENTS_LIMIT));
    expect(() => decode(frameOf(2 ** 31 - 1, 10))).toThrow(/array length 2147483647 exceeds the 10 bytes left/);
    expect(decode(frameOf(REQUEST_ARRAY_ELEMENTS_LIMIT, 2 * REQUEST_ARRAY_ELEMENTS_LIMIT)).topics).toHaveLength(REQUEST_ARRAY_ELEMENTS_LIMIT);
    const over = REQUEST_ARRAY_ELEMENTS_LIMIT + 1;
    expect(() => decode(frameOf(over, 2 * over))).toThrow(new DecodeError(`more than ${REQUEST_ARRAY_ELEMENTS_LIMIT} array elements in one request`));
    // The limit counts every array of the request together, tagged fields included.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), (topics, partitions) => {
        const w = new Writer(64);
        w.string('group').int32(topics); // OffsetFetch v1 => group_id [topics => name [partition_indexes]]
        for (let t = 0; t < topics; t++) {
          w.string('t').int32(partitions);
          for (let p = 0; p < partitions; p++) w.int32(p);
        }
        const buf = w.toBuffer();
        const limit = topics * (1 + partitions) - 1; // one element short
        expect(() => codecFor(schemas.OffsetFetchRequest, 1).decode(new Reader(buf, 0, buf.length, limit))).toThrow(/array elements in one request/);
        expect(codecFor(schemas.OffsetFetchRequest, 1).decode(new Reader(buf, 0, buf.length, limit + 1))).toBeTruthy();
      }),
      params(100),
    );
  });
});
