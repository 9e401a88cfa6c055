/** Chunks at least this large are referenced, not copied, into the output (record batches). */
const ZERO_COPY_THRESHOLD = 1024;

/**
 * Growable big-endian writer producing a list of buffers: small fields are packed into
 * one scratch buffer, large payloads (record batches read from disk) are passed by
 * reference so a fetch response never copies the records it serves.
 */
export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private total = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushScratch();
    if (this.buf.length < n) this.buf = Buffer.allocUnsafe(Math.max(n, 8192));
  }

  get length(): number {
    return this.total + this.pos;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: number | bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(typeof v === 'bigint' ? v : BigInt(v), this.pos);
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  uvarint(v: number): this {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  raw(b: Buffer): this {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      this.flushScratch();
      this.chunks.push(b);
      this.total += b.length;
      return this;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    return this;
  }

  private flushScratch(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.total += this.pos;
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
  }

  string(s: string): this {
    const len = Buffer.byteLength(s);
    this.int16(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos);
    return this;
  }
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }
  compactString(s: string): this {
    const len = Buffer.byteLength(s);
    this.uvarint(len + 1);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos);
    return this;
  }
  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }
  bytes(b: Buffer | null, compact: boolean): this {
    if (b === null) return compact ? this.uvarint(0) : this.int32(-1);
    if (compact) this.uvarint(b.length + 1);
    else this.int32(b.length);
    return this.raw(b);
  }
  /** Record data given as several batches: one length prefix, then each buffer by reference. */
  chunked(parts: Buffer[] | null, compact: boolean): this {
    if (parts === null) return compact ? this.uvarint(0) : this.int32(-1);
    let len = 0;
    for (const p of parts) len += p.length;
    if (compact) this.uvarint(len + 1);
    else this.int32(len);
    for (const p of parts) this.raw(p);
    return this;
  }

  /** The encoded message as a list of buffers, ready for socket.writev. */
  finish(): Buffer[] {
    this.flushScratch();
    const out = this.chunks;
    this.chunks = [];
    this.total = 0;
    return out;
  }

  /** The encoded message in one buffer (tests, small messages). */
  toBuffer(): Buffer {
    return Buffer.concat(this.finish());
  }
}
