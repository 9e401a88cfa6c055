// LZ4 decompression for Kafka record batches, in plain TypeScript: the LZ4 frame format (which Kafka uses for magic
// v2 batches) around LZ4 blocks. Header, block and content checksums are skipped, not verified: the batch CRC
// already covers the compressed bytes.
//
// Frame => magic:uint32le(0x184D2204) FLG:uint8 BD:uint8 [contentSize:uint64le] [dictId:uint32le] HC:uint8
//          (blockSize:uint32le (high bit: stored uncompressed) data [blockChecksum:uint32le])* endMark:uint32le(0)
//          [contentChecksum:uint32le]
// Block => (token:uint8 [literalLength+:uint8*] literals offset:uint16le [matchLength+:uint8*])* lastLiterals
import { copyMatch } from './snappy.js';
import { CompressionError } from './errors.js';

const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX_SIZES = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

const fail = (message: string): never => {
  throw new CompressionError('lz4', message);
};

/** A byte buffer that grows as blocks are appended (blocks may refer back into earlier ones). */
class Output {
  buf: Buffer;
  pos = 0;
  constructor(
    initial: number,
    readonly maxBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, Math.min(initial, maxBytes)));
  }

  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    if (need > this.maxBytes) fail(`data would decompress to more than the ${this.maxBytes} bytes allowed`);
    const grown = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(need, this.buf.length * 2)));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

/** Decompresses one or more concatenated LZ4 frames; refuses output larger than `maxBytes`. */
export function lz4Decompress(input: Buffer, maxBytes: number): Buffer {
  const out = new Output(input.length * 4, maxBytes);
  let pos = 0;
  while (pos < input.length) pos = frame(input, pos, out);
  return out.buf.subarray(0, out.pos);
}

function frame(input: Buffer, start: number, out: Output): number {
  let pos = start;
  if (pos + 7 > input.length) fail('frame header is cut off');
  if (input.readUInt32LE(pos) !== FRAME_MAGIC) fail('not an LZ4 frame (bad magic number)');
  const flg = input[pos + 4]!;
  const bd = input[pos + 5]!;
  pos += 6;
  if (flg >>> 6 !== 1) fail(`frame version ${flg >>> 6} is not supported (only 1)`);
  const blockChecksums = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  const blockMax = BLOCK_MAX_SIZES[(bd >>> 4) & 7]!;
  if (blockMax === 0) fail(`block size code ${(bd >>> 4) & 7} is not valid`);
  if (hasContentSize) {
    if (pos + 8 > input.length) fail('content size is cut off');
    const size = Number(input.readBigUInt64LE(pos));
    out.reserve(Math.min(size, out.maxBytes - out.pos)); // a hint only: every block still checks its own writes
    pos += 8;
  }
  if (hasDictId) fail('frames that need a dictionary are not supported');
  pos += 1; // header checksum
  for (;;) {
    if (pos + 4 > input.length) fail('block size is cut off (no end mark)');
    const word = input.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax) fail(`block of ${size} bytes is larger than the frame's ${blockMax}-byte blocks`);
    if (pos + size > input.length) fail(`block of ${size} bytes runs past the end of the data`);
    if (stored) {
      out.reserve(size);
      input.copy(out.buf, out.pos, pos, pos + size);
      out.pos += size;
    } else {
      decodeBlock(input, pos, pos + size, out, blockMax);
    }
    pos += size + (blockChecksums ? 4 : 0);
  }
  if (contentChecksum) pos += 4;
  if (pos > input.length) fail('checksum is cut off');
  return pos;
}

/** One compressed block in input[start, end), appended to `out`; matches may reach back into earlier blocks. */
function decodeBlock(input: Buffer, start: number, end: number, out: Output, blockMax: number): void {
  const room = Math.min(blockMax, out.maxBytes - out.pos);
  out.reserve(room);
  const buf = out.buf;
  const limit = out.pos + room;
  let op = out.pos;
  let pos = start;
  while (pos < end) {
    const token = input[pos++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      for (let b = 255; b === 255; ) {
        if (pos >= end) fail('literal length is cut off');
        b = input[pos++]!;
        literals += b;
      }
    }
    if (pos + literals > end) fail('literals run past the end of the block');
    if (op + literals > limit) overflow(out, blockMax);
    input.copy(buf, op, pos, pos + literals);
    pos += literals;
    op += literals;
    if (pos === end) break; // the last sequence has literals only
    if (pos + 2 > end) fail('match offset is cut off');
    const offset = input.readUInt16LE(pos);
    pos += 2;
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      for (let b = 255; b === 255; ) {
        if (pos >= end) fail('match length is cut off');
        b = input[pos++]!;
        length += b;
      }
    }
    if (offset === 0 || offset > op) fail(`match from ${offset} bytes back at output position ${op}`);
    if (op + length > limit) overflow(out, blockMax);
    copyMatch(buf, op, offset, length);
    op += length;
  }
  out.pos = op;
}

function overflow(out: Output, blockMax: number): never {
  if (out.pos + blockMax > out.maxBytes) fail(`data would decompress to more than the ${out.maxBytes} bytes allowed`);
  return fail(`block decompresses to more than the frame's ${blockMax}-byte blocks`);
}
