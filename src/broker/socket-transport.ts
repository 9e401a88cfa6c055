import type { Socket } from 'node:net';
import type { Transport, TransportHandlers } from './transport.js';

/** A Transport over a node:net socket. */
export class SocketTransport implements Transport {
  readonly remoteAddress: string;
  readonly remotePort: number;

  /** `remote`: the peer, when `socket` wraps another (TLS over the accepted TCP socket). */
  constructor(
    private readonly socket: Socket,
    remote?: { address: string; port: number },
  ) {
    this.remoteAddress = remote?.address ?? socket.remoteAddress ?? '?';
    this.remotePort = remote?.port ?? socket.remotePort ?? 0;
    socket.setNoDelay(true);
  }

  start(handlers: TransportHandlers): void {
    const s = this.socket;
    s.on('data', handlers.data);
    s.on('drain', handlers.drain);
    // Resets and the like: 'close' follows, which is what the connection acts on.
    s.on('error', () => {});
    s.on('close', handlers.close);
  }

  write(chunks: readonly Buffer[], flushed?: () => void): void {
    const s = this.socket;
    if (s.destroyed) {
      flushed?.();
      return;
    }
    if (chunks.length > 1) s.cork();
    for (let i = 0; i < chunks.length; i++) {
      // Node calls a write's callback once it is flushed, or with an error once the socket is destroyed.
      if (i === chunks.length - 1 && flushed) s.write(chunks[i]!, () => flushed());
      else s.write(chunks[i]!);
    }
    if (chunks.length > 1) s.uncork();
    if (chunks.length === 0) flushed?.();
  }

  get needsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
  }
}
