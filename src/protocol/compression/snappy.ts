// Snappy decompression for Kafka record batches, in plain TypeScript. Two framings reach a Kafka client: a raw
// snappy block (librdkafka, kcat, franz-go) and the xerial stream the Java client writes (a 16-byte header, then
// length-prefixed raw blocks). Checksums are not needed: the batch CRC already covers the compressed bytes.
//
// Raw block => uncompressedLength:uvarint element*
// element   => tag:uint8, whose low two bits say: 00 literal (length in the tag or 1-4 following bytes, little-endian),
//              01 copy (length 4-11, 11-bit offset), 10 copy (length 1-64, 16-bit offset), 11 copy (32-bit offset)
import { CompressionError } from './errors.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]); // \x82SNAPPY\0
const XERIAL_HEADER_SIZE = 16; // magic, int32 version, int32 compatible version

const fail = (message: string): never => {
  throw new CompressionError('snappy', message);
};

/** Decompresses a Kafka snappy payload (raw or xerial-framed); refuses output larger than `maxBytes`. */
export function snappyDecompress(input: Buffer, maxBytes: number): Buffer {
  if (input.length >= XERIAL_HEADER_SIZE && input.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return xerialDecompress(input, maxBytes);
  }
  return rawDecompress(input, 0, input.length, maxBytes);
}

function xerialDecompress(input: Buffer, maxBytes: number): Buffer {
  const blocks: Buffer[] = [];
  let total = 0;
  for (let pos = XERIAL_HEADER_SIZE; pos < input.length; ) {
    if (pos + 4 > input.length) fail('xerial block length is cut off');
    const size = input.readInt32BE(pos);
    pos += 4;
    if (size < 0 || pos + size > input.length) fail(`xerial block of ${size} bytes runs past the end of the data`);
    const block = rawDecompress(input, pos, pos + size, maxBytes - total);
    total += block.length;
    blocks.push(block);
    pos += size;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
}

/** One raw snappy block in input[start, end). */
export function rawDecompress(input: Buffer, start: number, end: number, maxBytes: number): Buffer {
  let pos = start;
  // Preamble: the uncompressed length as a little-endian base-128 varint (at most 32 bits).
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= end) fail('data ends inside the length preamble');
    if (shift > 28) fail('length preamble is longer than 5 bytes');
    const b = input[pos++]!;
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (length > maxBytes) fail(`block would decompress to ${length} bytes, more than the ${maxBytes} bytes allowed`);
  const out = Buffer.allocUnsafe(length);
  let op = 0;
  while (pos < end) {
    const tag = input[pos++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59; // 1-4 little-endian bytes hold length - 1
        if (pos + extra > end) fail('literal length is cut off');
        len = input.readUIntLE(pos, extra);
        pos += extra;
      }
      len += 1;
      if (pos + len > end) fail('literal runs past the end of the data');
      if (op + len > length) fail('literal runs past the declared length');
      input.copy(out, op, pos, pos + len);
      pos += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > end) fail('copy offset is cut off');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[pos++]!;
    } else if (kind === 2) {
      if (pos + 2 > end) fail('copy offset is cut off');
      len = (tag >>> 2) + 1;
      offset = input.readUInt16LE(pos);
      pos += 2;
    } else {
      if (pos + 4 > end) fail('copy offset is cut off');
      len = (tag >>> 2) + 1;
      offset = input.readUInt32LE(pos);
      pos += 4;
    }
    if (offset === 0 || offset > op) fail(`copy from ${offset} bytes back at output position ${op}`);
    if (op + len > length) fail('copy runs past the declared length');
    copyMatch(out, op, offset, len);
    op += len;
  }
  if (op !== length) fail(`decompressed to ${op} bytes, but the block declares ${length}`);
  return out;
}

/** Copies `len` bytes from `offset` back; overlapping copies (offset < len) repeat the pattern, as LZ77 means. */
export function copyMatch(out: Buffer, op: number, offset: number, len: number): void {
  const from = op - offset;
  if (offset >= len) {
    out.copyWithin(op, from, from + len);
    return;
  }
  for (let i = 0; i < len; i++) out[op + i] = out[from + i]!;
}
