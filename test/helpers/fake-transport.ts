// A Transport without a socket, for driving a broker Connection byte by byte: the test feeds request bytes, reads the
// response frames the connection wrote, and decides when written bytes count as flushed (a slow or stalled reader).
import { FrameParser } from '../../src/protocol/framing.js';
import type { Transport, TransportHandlers } from '../../src/broker/transport.js';

export class FakeTransport implements Transport {
  readonly remoteAddress: string;
  readonly remotePort = 40000;
  /** Response frames written so far (size prefix stripped), in order. */
  readonly frames: Buffer[] = [];
  /** Bytes written but not yet flushed (only when autoFlush is off). */
  unflushedBytes = 0;
  readingPaused = false;
  closed = false;
  /** When false, writes stay "in the socket buffer" until flushAll(), and needsDrain turns true past highWaterMark. */
  autoFlush = true;
  highWaterMark = 16 * 1024;
  private handlers: TransportHandlers | null = null;
  private readonly parser = new FrameParser(1 << 30);
  private readonly pendingFlushes: { bytes: number; done?: () => void }[] = [];
  /** Bytes fed while reading was paused: delivered on resume, as the OS would. */
  private readonly held: Buffer[] = [];

  constructor(remoteAddress = '127.0.0.9') {
    this.remoteAddress = remoteAddress;
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  /** The client sends bytes. */
  feed(bytes: Buffer): void {
    if (this.closed) return;
    if (this.readingPaused) this.held.push(bytes);
    else this.handlers!.data(bytes);
  }

  write(chunks: readonly Buffer[], flushed?: () => void): void {
    if (this.closed) {
      flushed?.();
      return;
    }
    let bytes = 0;
    for (const c of chunks) {
      bytes += c.length;
      this.frames.push(...this.parser.push(c));
    }
    if (this.autoFlush) flushed?.();
    else {
      this.unflushedBytes += bytes;
      this.pendingFlushes.push({ bytes, done: flushed });
    }
  }

  get needsDrain(): boolean {
    return !this.autoFlush && this.unflushedBytes >= this.highWaterMark;
  }

  /** The client reads everything written so far. */
  flushAll(): void {
    const wasFull = this.needsDrain;
    for (const p of this.pendingFlushes.splice(0)) p.done?.();
    this.unflushedBytes = 0;
    if (wasFull) this.handlers?.drain();
  }

  pauseReading(): void {
    this.readingPaused = true;
  }

  resumeReading(): void {
    this.readingPaused = false;
    while (this.held.length > 0 && !this.readingPaused && !this.closed) this.handlers!.data(this.held.shift()!);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pendingFlushes.splice(0)) p.done?.();
    this.handlers?.close();
  }
}
