/**
 * Growable byte buffers with zigzag varints: the building blocks of the point streams and part files. Numbers are
 * JS doubles, so varints carry any integer up to 2^53 (zigzag halves that: |n| < 2^52).
 */

export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }

  private grow(need: number): void {
    // 1.5x growth: open streams are the bulk of the store's memory, doubling would waste up to half of it.
    let cap = Math.max(16, Math.ceil(this.buf.length * 1.5));
    while (cap < this.len + need) cap = Math.ceil(cap * 1.5);
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    if (this.len + 1 > this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned varint of a non-negative integer < 2^53. */
  uvarint(v: number): void {
    if (this.len + 8 > this.buf.length) this.grow(8);
    const b = this.buf;
    while (v >= 128) {
      b[this.len++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[this.len++] = v;
  }

  /** Zigzag varint of an integer with |v| < 2^52. */
  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  float64(v: number): void {
    if (this.len + 8 > this.buf.length) this.grow(8);
    F64[0] = v;
    this.buf.set(F64_BYTES, this.len);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Empties the writer, keeping its buffer (a scratch writer reused for many blocks). */
  reset(): void {
    this.len = 0;
  }

  /** The bytes written, copied into an exactly sized array (what a long-lived stream keeps). */
  trimmed(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

export class CorruptDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptDataError';
  }
}

export class ByteReader {
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new CorruptDataError('data ends inside a value');
    return this.buf[this.pos++]!;
  }

  uvarint(): number {
    const b = this.buf;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new CorruptDataError('data ends inside a varint');
      const c = b[this.pos++]!;
      v += (c & 127) * mul;
      if (c < 128) return v;
      mul *= 128;
    }
    throw new CorruptDataError('varint longer than 8 bytes');
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  float64(): number {
    if (this.pos + 8 > this.end) throw new CorruptDataError('data ends inside a float');
    for (let i = 0; i < 8; i++) F64_BYTES[i] = this.buf[this.pos + i]!;
    this.pos += 8;
    return F64[0]!;
  }
}
