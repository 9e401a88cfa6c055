// The client-side codecs for compressed record batches. Fixtures in test/fixtures/compression were made from
// plain.bin with other implementations (python3-snappy for raw and xerial-framed snappy, the lz4 and zstd command-line
// tools), so the decoders are checked against real encoders, not against themselves.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompressionError, decompress, type Codec } from '../../src/protocol/compression/index.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/compression/${name}`, import.meta.url));
const plain = fixture('plain.bin');

describe('decompress real encoders\' output', () => {
  it.each([
    ['snappy', 'plain.snappy'],
    ['snappy', 'plain.xerial'],
    ['lz4', 'plain.lz4'],
    ['lz4', 'plain-linked.lz4'], // 64 KiB linked blocks (matches reach into the previous block), block checksums, content size
    ['zstd', 'plain.zst'],
  ] as const)('%s: %s', (codec, file) => {
    expect(decompress(codec, fixture(file)).equals(plain)).toBe(true);
  });

  it('gzip and none', () => {
    expect(decompress('gzip', gzipSync(plain)).equals(plain)).toBe(true);
    expect(decompress('none', plain)).toBe(plain);
  });
});

describe('snappy elements, written by hand from the format description', () => {
  it('decodes literals with 1-byte extended lengths and all three copy kinds', () => {
    const literal = Buffer.alloc(70, 'x'); // length 70 > 60: tag 60<<2 then one byte holding 69
    const block = Buffer.concat([
      Buffer.from([79]), // uncompressed length: 70 + 4 + 2 + 3
      Buffer.from([60 << 2, 69]),
      literal,
      Buffer.from([0b000_000_01, 5]), // copy, 1-byte offset: length 4, offset 5
      Buffer.from([(2 - 1) << 2 | 2, 10, 0]), // copy, 2-byte offset: length 2, offset 10
      Buffer.from([(3 - 1) << 2 | 3, 1, 0, 0, 0]), // copy, 4-byte offset: length 3, offset 1 (overlapping: repeats)
    ]);
    expect(decompress('snappy', block).toString()).toBe('x'.repeat(79));
  });

  it('repeats a pattern when a copy overlaps its own output', () => {
    const block = Buffer.from([9, (3 - 1) << 2, 0x61, 0x62, 0x63, ((6 - 4) << 2) | 1, 3]); // "abc" + copy(len 6, offset 3)
    expect(decompress('snappy', block).toString()).toBe('abcabcabc');
  });

  it.each([
    ['a copy reaching before the start', Buffer.from([4, 0 << 2, 0x61, ((4 - 4) << 2) | 1, 2])],
    ['a zero offset', Buffer.from([5, 0 << 2, 0x61, ((4 - 4) << 2) | 1, 0])],
    ['output shorter than declared', Buffer.from([5, 0 << 2, 0x61])],
    ['output longer than declared', Buffer.from([1, 1 << 2, 0x61, 0x62])],
    ['a literal cut off', Buffer.from([3, 2 << 2, 0x61])],
    ['an unterminated length', Buffer.from([0x80, 0x80])],
  ])('refuses %s', (_, block) => {
    expect(() => decompress('snappy', block)).toThrow(CompressionError);
  });
});

describe('lz4 blocks, written by hand', () => {
  const frame = (blocks: Buffer[]) =>
    Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0x00]), ...blocks, Buffer.alloc(4)]); // FLG v1, BD 64 KiB, HC
  const block = (data: number[], stored = false) => {
    const size = Buffer.alloc(4);
    size.writeUInt32LE((data.length | (stored ? 0x80000000 : 0)) >>> 0);
    return Buffer.concat([size, Buffer.from(data)]);
  };

  it('decodes an overlapping match and a block stored uncompressed', () => {
    // token: 1 literal, match length 4+3; literal "z"; offset 1 → "z" * 8; then last literals "!" in a second sequence.
    const compressed = block([0x13, 0x7a, 0x01, 0x00, 0x10, 0x21]);
    const stored = block([0x41, 0x42], true);
    expect(decompress('lz4', frame([compressed, stored])).toString()).toBe('zzzzzzzz!AB');
  });

  it.each([
    ['bad magic', Buffer.from([0, 0, 0, 0, 0x40, 0x40, 0])],
    ['no end mark', frame([]).subarray(0, 7)],
    ['a match before the start', frame([block([0x10, 0x7a, 0x05, 0x00])])],
    ['a block larger than the frame allows', Buffer.concat([frame([]).subarray(0, 7), Buffer.from([0xff, 0xff, 0x01, 0x00])])],
  ])('refuses %s', (_, data) => {
    expect(() => decompress('lz4', data)).toThrow(CompressionError);
  });
});

describe('hostile input', () => {
  const codecs: Codec[] = ['gzip', 'snappy', 'lz4', 'zstd'];
  const samples: Record<string, Buffer> = {
    gzip: gzipSync(plain.subarray(0, 4000)),
    snappy: fixture('plain.xerial'),
    lz4: fixture('plain-linked.lz4'),
    zstd: fixture('plain.zst'),
  };

  it.each(codecs)('%s: every truncation fails with CompressionError or decodes a prefix, never anything else', (codec) => {
    const data = samples[codec]!;
    for (let cut = 0; cut < data.length; cut += Math.max(1, Math.floor(data.length / 300))) {
      try {
        const out = decompress(codec, data.subarray(0, cut));
        expect(plain.subarray(0, out.length).equals(out)).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(CompressionError);
      }
    }
  });

  it.each(codecs)('%s: random bytes and flipped bytes never escape as another error or exceed the output cap', (codec) => {
    const data = samples[codec]!;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
          fc.array(fc.tuple(fc.nat(data.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
            const copy = Buffer.from(data);
            for (const [at, x] of flips) copy[at]! ^= x;
            return copy;
          }),
        ),
        (input) => {
          try {
            expect(decompress(codec, input, 1 << 20).length).toBeLessThanOrEqual(1 << 20);
          } catch (err) {
            expect(err).toBeInstanceOf(CompressionError);
          }
        },
      ),
      { seed: 4242, numRuns: 150 },
    );
  });

  it.each(codecs)('%s: a decompression bomb stops at the cap', (codec) => {
    // 4 MiB of zeros; lz4 and zstd as their command-line tools compress it (`head -c 4194304 /dev/zero | lz4 -B4`).
    const bomb: Record<string, Buffer> = {
      gzip: gzipSync(Buffer.alloc(4 << 20)),
      snappy: Buffer.from([0x80, 0x80, 0x80, 0x02]), // declares 4 MiB up front
      lz4: fixture('zeros-4MiB.lz4'),
      zstd: fixture('zeros-4MiB.zst'),
    };
    if (codec !== 'snappy') expect(decompress(codec, bomb[codec]!, 8 << 20).length).toBe(4 << 20);
    expect(() => decompress(codec, bomb[codec]!, 1 << 20)).toThrow(/more than the 1048576 bytes allowed/);
  });
});
