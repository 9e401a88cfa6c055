/**
 * Syslog over TCP (RFC 6587), detected per message: octet-counting ("LEN SP MSG", LEN a decimal without leading zero)
 * when a frame starts with a digit, else non-transparent framing (the message ends at LF; a trailing CR is dropped;
 * NUL is accepted as a terminator too). Byte-level and transport-free: push() chunks, get whole frames back.
 *
 * Nothing is thrown away: a line longer than maxMessageBytes, or an octet-counted frame announcing more, comes out in
 * pieces of at most maxMessageBytes, each with `error` set; what is left when the connection ends comes out too.
 *
 * A state machine that remembers where it stopped: each byte is looked at once (a chunk that ends inside a message
 * is kept, never re-scanned), so the cost is linear in the bytes received however the sender chops them up, and the
 * same byte stream gives the same frames at any chunking. Memory is bounded by maxMessageBytes per connection.
 */

export interface Frame {
  data: Buffer;
  /** Why this frame is not a whole message (a piece of an over-long one, or cut short by the connection closing). */
  error?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const MAX_LEN_DIGITS = 10;
/** A kept buffer above this size is dropped once its message is out, so one long message does not pin memory. */
const SHRINK_ABOVE = 64 * 1024;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

const enum State {
  /** Between frames: terminators are skipped, a digit 1-9 may start an octet count, anything else starts a line. */
  Idle,
  /** Reading the digits of an octet count (kept in `held`, in case they turn out to start a line). */
  Count,
  /** Reading `left` more bytes of an octet-counted message. */
  Octets,
  /** Passing on an octet-counted message longer than maxMessageBytes in pieces; `left` bytes still to come. */
  Oversize,
  /** Reading a line up to LF or NUL. */
  Line,
}

export class SyslogFramer {
  private state = State.Idle;
  /** Bytes of the frame in progress that arrived in earlier chunks. */
  private held: Buffer | null = null;
  private heldLen = 0;
  private count = 0;
  private countDigits = 0;
  /** Octets / Oversize: message bytes not yet passed on (including those held). */
  private left = 0;
  /** Oversize: the length the frame announced. */
  private total = 0;
  /** Line: pieces of this line have gone out already, so the rest of it is a piece too. */
  private lineCut = false;

  constructor(private readonly maxMessageBytes: number) {
    if (!(maxMessageBytes > MAX_LEN_DIGITS)) throw new RangeError(`maxMessageBytes must be more than ${MAX_LEN_DIGITS}, got ${maxMessageBytes}`);
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case State.Idle: {
          const c = chunk[pos]!;
          if (c === LF || c === CR || c === NUL) pos++; // blank lines and stray terminators between frames carry nothing
          else if (isDigit(c) && c !== 0x30) this.state = State.Count;
          else this.state = State.Line;
          break;
        }
        case State.Count:
          pos = this.countStep(chunk, pos);
          break;
        case State.Octets:
          pos = this.octetsStep(chunk, pos, frames);
          break;
        case State.Oversize:
          pos = this.oversizeStep(chunk, pos, frames);
          break;
        case State.Line:
          pos = this.lineStep(chunk, pos, frames);
          break;
      }
    }
    return frames;
  }

  /** What is left at end of stream, as a last frame (a message without its final newline). */
  end(): Frame[] {
    const rest = this.held === null ? Buffer.alloc(0) : Buffer.from(this.held.subarray(0, this.heldLen));
    const state = this.state;
    const cut = this.lineCut;
    this.reset();
    if (state === State.Octets) {
      const missing = this.left - rest.length;
      return rest.length === 0 ? [] : [{ data: rest, error: `octet-counted message of ${this.left} bytes cut short: the connection closed ${missing} bytes before its end` }];
    }
    if (state === State.Oversize) {
      return rest.length === 0 ? [] : [{ data: rest, error: `${this.oversizeNote()}; the connection closed before the end of the message` }];
    }
    let end = rest.length;
    while (end > 0 && rest[end - 1] === CR) end--;
    if (end === 0) return [];
    return [cut ? { data: rest.subarray(0, end), error: this.lineNote() } : { data: rest.subarray(0, end) }];
  }

  private oversizeNote(): string {
    return `message of ${this.total} bytes exceeds maxMessageBytes (${this.maxMessageBytes}); stored in pieces`;
  }

  private lineNote(): string {
    return `line longer than maxMessageBytes (${this.maxMessageBytes}); stored in pieces`;
  }

  private countStep(chunk: Buffer, pos: number): number {
    let i = pos;
    while (i < chunk.length && isDigit(chunk[i]!) && this.countDigits < MAX_LEN_DIGITS) {
      this.count = this.count * 10 + (chunk[i]! - 0x30);
      this.countDigits++;
      i++;
    }
    this.hold(chunk, pos, i);
    if (i === chunk.length) return i; // the count may go on in the next chunk
    if (chunk[i] !== SP) {
      this.state = State.Line; // digits that are not a count start a line (they stay held as its first bytes)
      return i;
    }
    this.heldLen = 0;
    this.left = this.count;
    this.state = this.count > this.maxMessageBytes ? State.Oversize : State.Octets;
    this.total = this.count;
    this.count = 0;
    this.countDigits = 0;
    return i + 1;
  }

  private octetsStep(chunk: Buffer, pos: number, frames: Frame[]): number {
    const n = Math.min(this.left - this.heldLen, chunk.length - pos);
    if (this.heldLen === 0 && n === this.left) {
      frames.push({ data: chunk.subarray(pos, pos + n) }); // whole in this chunk: a view, no copy
      this.state = State.Idle;
      return pos + n;
    }
    this.hold(chunk, pos, pos + n, this.left); // the size is known: one buffer of exactly that size
    if (this.heldLen === this.left) {
      frames.push({ data: this.takeHeld() });
      this.state = State.Idle;
    }
    return pos + n;
  }

  private oversizeStep(chunk: Buffer, pos: number, frames: Frame[]): number {
    const piece = Math.min(this.left, this.maxMessageBytes);
    const n = Math.min(piece - this.heldLen, chunk.length - pos);
    if (this.heldLen === 0 && n === piece) {
      frames.push({ data: chunk.subarray(pos, pos + n), error: this.oversizeNote() });
    } else {
      this.hold(chunk, pos, pos + n, piece);
      if (this.heldLen < piece) return pos + n; // wait for a full piece
      frames.push({ data: this.takeHeld(), error: this.oversizeNote() });
    }
    this.left -= piece;
    if (this.left === 0) this.state = State.Idle;
    return pos + n;
  }

  /**
   * At most maxMessageBytes + 1 bytes of a line are looked at before deciding: a terminator among them ends the line,
   * else the first maxMessageBytes go out as a piece and the last one starts the rest. (The limit counts the CR of a
   * CRLF ending, so a line of exactly maxMessageBytes + CRLF comes out as a single piece marked as one.)
   */
  private lineStep(chunk: Buffer, pos: number, frames: Frame[]): number {
    const scanEnd = Math.min(chunk.length, pos + this.maxMessageBytes + 1 - this.heldLen);
    let k = pos;
    while (k < scanEnd && chunk[k] !== LF && chunk[k] !== NUL) k++;
    if (k < scanEnd) {
      this.endLine(chunk, pos, k, frames);
      return k + 1;
    }
    if (this.heldLen + (scanEnd - pos) <= this.maxMessageBytes) {
      this.hold(chunk, pos, scanEnd); // the chunk ended inside the line
      return scanEnd;
    }
    const last = scanEnd - 1;
    const data = this.heldLen === 0 ? chunk.subarray(pos, last) : this.takeHeld(chunk, pos, last);
    frames.push({ data, error: this.lineNote() });
    this.lineCut = true;
    return last;
  }

  private endLine(chunk: Buffer, pos: number, k: number, frames: Frame[]): void {
    let data = this.heldLen === 0 ? chunk.subarray(pos, k) : this.takeHeld(chunk, pos, k);
    if (data.length > 0 && data[data.length - 1] === CR) data = data.subarray(0, data.length - 1);
    if (data.length > 0) frames.push(this.lineCut ? { data, error: this.lineNote() } : { data });
    this.lineCut = false;
    this.state = State.Idle;
  }

  /**
   * Appends chunk[from, to) to the held bytes. With `size` (the frame's length, when known) the buffer is allocated at
   * exactly that size once; otherwise it grows by doubling, up to maxMessageBytes + 1.
   */
  private hold(chunk: Buffer, from: number, to: number, size?: number): void {
    const n = to - from;
    if (n <= 0) return;
    const need = this.heldLen + n;
    if (this.held === null || this.held.length < need || (size !== undefined && this.heldLen === 0 && this.held.length !== size)) {
      const grown = Buffer.allocUnsafe(size ?? Math.min(this.maxMessageBytes + 1, Math.max(need, (this.held?.length ?? 0) * 2, 256)));
      if (this.held) this.held.copy(grown, 0, 0, this.heldLen);
      this.held = grown;
    }
    chunk.copy(this.held, this.heldLen, from, to);
    this.heldLen = need;
  }

  /** The held bytes, then chunk[from, to), as a buffer of their own (frames outlive the reuse of `held`). */
  private takeHeld(chunk?: Buffer, from = 0, to = 0): Buffer {
    const held = this.held!;
    const len = this.heldLen;
    this.heldLen = 0;
    if (!chunk && len === held.length) {
      this.held = null; // filled exactly: hand it over
      return held;
    }
    const out = Buffer.allocUnsafe(len + to - from);
    held.copy(out, 0, 0, len);
    if (chunk) chunk.copy(out, len, from, to);
    if (held.length > SHRINK_ABOVE) this.held = null;
    return out;
  }

  private reset(): void {
    this.state = State.Idle;
    this.heldLen = 0;
    this.held = null;
    this.count = 0;
    this.countDigits = 0;
    this.lineCut = false;
  }
}
