/** What a transport reports to the connection on top of it. */
export interface TransportHandlers {
  data(chunk: Buffer): void;
  /** Bytes written earlier have been handed to the OS: `needsDrain` may have turned false. */
  drain(): void;
  /** Closed by either side; no event follows. */
  close(): void;
}

/**
 * The byte pipe under a Connection (as nats.js separates its protocol from its sockets): the protocol logic never
 * touches a socket, so tests feed it bytes (test/helpers/fake-transport.ts). Implemented once for node:net.
 */
export interface Transport {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Starts delivering events to `handlers`; called once. */
  start(handlers: TransportHandlers): void;
  /** Queues one response; `flushed` runs once all of it has been handed to the OS or the transport has closed. */
  write(chunks: readonly Buffer[], flushed?: () => void): void;
  /** True while written bytes pile up faster than the peer reads them: write no more until `drain`. */
  readonly needsDrain: boolean;
  /** Stop and restart delivering `data`; what the peer sends meanwhile stays in the OS buffers (TCP backpressure). */
  pauseReading(): void;
  resumeReading(): void;
  /** Closes at once, dropping unsent bytes; `close` follows. */
  close(): void;
}
