/**
 * Syslog over TCP (RFC 6587), detected per message: octet-counting ("LEN SP MSG", LEN a decimal without leading zero)
 * when a frame starts with a digit, else non-transparent framing (the message ends at LF; a trailing CR is dropped;
 * NUL is accepted as a terminator too). Byte-level and transport-free: push() chunks, get whole frames back.
 *
 * Nothing is thrown away: a line longer than maxMessageBytes, or an octet-counted frame announcing more, comes out in
 * pieces of at most maxMessageBytes, each flagged `oversize`; what is left when the connection ends comes out too.
 */

export interface Frame {
  data: Buffer;
  /** Set on the pieces of a message longer than maxMessageBytes. */
  oversize?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const MAX_LEN_DIGITS = 10;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export class SyslogFramer {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes still to come of an octet-counted frame longer than maxMessageBytes, passed on in pieces. */
  private oversizeLeft = 0;
  private oversizeTotal = 0;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): Frame[] {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    let pos = 0;
    while (pos < buf.length) {
      if (this.oversizeLeft > 0) {
        const n = Math.min(this.oversizeLeft, buf.length - pos, this.maxMessageBytes);
        if (n < Math.min(this.oversizeLeft, this.maxMessageBytes)) break; // wait for a full piece
        frames.push({ data: buf.subarray(pos, pos + n), oversize: this.oversizeNote() });
        this.oversizeLeft -= n;
        pos += n;
        continue;
      }
      const c = buf[pos]!;
      if (c === LF || c === CR || c === NUL) {
        pos++; // blank lines and stray terminators between frames carry nothing
        continue;
      }
      if (isDigit(c) && c !== 0x30) {
        const r = this.octetCounted(buf, pos, frames);
        if (r === 'wait') break;
        if (r !== 'not-octet-counted') {
          pos = r;
          continue;
        }
      }
      const r = this.lineFrame(buf, pos, frames);
      if (r === 'wait') break;
      pos = r;
    }
    this.pending = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    return frames;
  }

  /** What is left at end of stream, as a last frame (a message without its final newline). */
  end(): Frame[] {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    let end = rest.length;
    while (end > 0 && (rest[end - 1] === CR || rest[end - 1] === LF || rest[end - 1] === NUL)) end--;
    if (end === 0) return [];
    const data = rest.subarray(0, end);
    if (this.oversizeLeft > 0) {
      this.oversizeLeft = 0;
      return [{ data, oversize: `${this.oversizeNote()}; the connection closed before the end of the message` }];
    }
    return [{ data }];
  }

  private oversizeNote(): string {
    return `message of ${this.oversizeTotal} bytes exceeds maxMessageBytes (${this.maxMessageBytes}); stored in pieces`;
  }

  private octetCounted(buf: Buffer, pos: number, frames: Frame[]): number | 'wait' | 'not-octet-counted' {
    let len = 0;
    let i = pos;
    while (i < buf.length && isDigit(buf[i]!) && i - pos < MAX_LEN_DIGITS) len = len * 10 + (buf[i++]! - 0x30);
    if (i === buf.length) return 'wait';
    if (buf[i] !== SP) return 'not-octet-counted';
    const start = i + 1;
    if (len > this.maxMessageBytes) {
      this.oversizeLeft = len;
      this.oversizeTotal = len;
      return start;
    }
    if (buf.length - start < len) return 'wait';
    frames.push({ data: buf.subarray(start, start + len) });
    return start + len;
  }

  private lineFrame(buf: Buffer, pos: number, frames: Frame[]): number | 'wait' {
    let nl = -1;
    const limit = Math.min(buf.length, pos + this.maxMessageBytes + 1);
    for (let i = pos; i < limit; i++) {
      const c = buf[i]!;
      if (c === LF || c === NUL) {
        nl = i;
        break;
      }
    }
    if (nl < 0) {
      if (buf.length - pos <= this.maxMessageBytes) return 'wait';
      frames.push({ data: buf.subarray(pos, pos + this.maxMessageBytes), oversize: `line longer than maxMessageBytes (${this.maxMessageBytes}); stored in pieces` });
      return pos + this.maxMessageBytes;
    }
    let end = nl;
    if (end > pos && buf[end - 1] === CR) end--;
    frames.push({ data: buf.subarray(pos, end) });
    return nl + 1;
  }
}
