/** Thrown when a request does not decode: the connection that sent it is closed. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/**
 * Most array elements (topics, partitions, …, all arrays together) one request may hold, by default (the broker's
 * `maxRequestArrayElements`; consumer-protocol payloads use it as is). The frame size alone does not bound decoding work: every element of an array of empty strings or structs costs two bytes on the wire but an
 * object on the heap, and a 10 MB Metadata request of 5 million empty topic names took 15 s of CPU and 320 MB to
 * decode. No client sends anywhere near this many (it is more partitions than one broker holds).
 */
export const REQUEST_ARRAY_ELEMENTS_LIMIT = 100_000;

/** Array elements a reader may still decode, shared with the readers it makes for tagged fields. */
interface ElementBudget {
  left: number;
  readonly limit: number;
}

/**
 * Bounds-checked big-endian reader over one frame. Slices are views into the frame
 * (never copies), so record batches flow to storage untouched.
 */
export class Reader {
  pos: number;
  private readonly budget: ElementBudget;

  /** `maxArrayElements`: array elements, all arrays together, this reader may decode (see REQUEST_ARRAY_ELEMENTS_LIMIT). */
  constructor(readonly buf: Buffer, start = 0, readonly end = buf.length, maxArrayElements: number | ElementBudget = Infinity) {
    this.pos = start;
    this.budget = typeof maxArrayElements === 'number' ? { left: maxArrayElements, limit: maxArrayElements } : maxArrayElements;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) throw new DecodeError(`truncated: needed ${n} bytes at ${p}, ${this.end - p} left`);
    this.pos = p + n;
    return p;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): number {
    return Number(this.buf.readBigInt64BE(this.need(8)));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  uuid(): Buffer {
    const p = this.need(16);
    return this.buf.subarray(p, p + 16);
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (shift > 28) throw new DecodeError('varint too long');
      const b = this.buf[this.need(1)]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  raw(n: number): Buffer {
    const p = this.need(n);
    return this.buf.subarray(p, p + n);
  }

  private str(len: number): string {
    const p = this.need(len);
    return this.buf.toString('utf8', p, p + len);
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new DecodeError('null string where a string is required');
    return this.str(len);
  }
  nullableString(): string | null {
    const len = this.int16();
    return len < 0 ? null : this.str(len);
  }
  compactString(): string {
    const len = this.uvarint() - 1;
    if (len < 0) throw new DecodeError('null compact string where a string is required');
    return this.str(len);
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    return len < 0 ? null : this.str(len);
  }

  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new DecodeError('null bytes where bytes are required');
    return this.raw(len);
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    return len < 0 ? null : this.raw(len);
  }
  compactBytes(): Buffer {
    const len = this.uvarint() - 1;
    if (len < 0) throw new DecodeError('null compact bytes where bytes are required');
    return this.raw(len);
  }
  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1;
    return len < 0 ? null : this.raw(len);
  }

  /** Array length; -1 means null. Guards against lengths the frame cannot possibly hold. */
  arrayLength(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1) throw new DecodeError(`invalid array length ${n}`);
    if (n > this.remaining) throw new DecodeError(`array length ${n} exceeds the ${this.remaining} bytes left`);
    if (n > 0 && (this.budget.left -= n) < 0) throw new DecodeError(`more than ${this.budget.limit} array elements in one request`);
    return n;
  }

  /** Tagged fields section: calls onTag for known tags, skips unknown ones. */
  taggedFields(onTag?: (tag: number, r: Reader) => void): void {
    const count = this.uvarint();
    let last = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new DecodeError('tagged fields out of order');
      last = tag;
      const size = this.uvarint();
      const start = this.need(size);
      if (onTag) {
        const sub = new Reader(this.buf, start, start + size, this.budget);
        onTag(tag, sub);
      }
    }
  }
}
