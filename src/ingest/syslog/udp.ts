import { createSocket, type Socket } from 'node:dgram';
import type { ListenAddress } from '../config.js';
import { listenError, peerAddress } from '../../common/listen.js';

export interface UdpListener {
  socket: Socket;
  address: ListenAddress;
  /** SO_RCVBUF the kernel granted (Linux reports twice the usable size, and caps it at net.core.rmem_max). */
  recvBufferBytes: number;
  /**
   * Resolves once no datagram has arrived for `quietMs` (at most `maxMs`): closing a UDP socket drops whatever the
   * kernel still holds for it, so a clean stop first reads what senders already sent.
   */
  drain(quietMs?: number, maxMs?: number): Promise<void>;
}

const DRAIN_QUIET_MS = 100;
const DRAIN_MAX_MS = 2_000;

/** One datagram = one message. A large SO_RCVBUF absorbs bursts while the event loop is busy writing batches. */
export async function listenSyslogUdp(
  at: ListenAddress,
  recvBufferBytes: number,
  onMessage: (msg: Buffer, remote: string) => void,
  onError: (e: Error) => void,
): Promise<UdpListener> {
  const socket = createSocket({ type: at.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: recvBufferBytes });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e) => reject(listenError('syslog udp', 'ingest.syslog.udp', at, e as NodeJS.ErrnoException)));
    socket.bind(at.port, at.host, () => resolve());
  });
  socket.removeAllListeners('error');
  socket.on('error', onError);
  let lastMessageAt = 0;
  socket.on('message', (msg, rinfo) => {
    lastMessageAt = performance.now();
    onMessage(msg, peerAddress(rinfo.address));
  });
  const drain = (quietMs = DRAIN_QUIET_MS, maxMs = DRAIN_MAX_MS) =>
    new Promise<void>((resolve) => {
      const deadline = performance.now() + maxMs;
      const check = () => {
        const now = performance.now();
        const quietFor = now - lastMessageAt;
        if (quietFor >= quietMs || now >= deadline) return resolve();
        setTimeout(check, Math.min(quietMs - quietFor, deadline - now));
      };
      // One full quiet period from now: datagrams queued in the kernel are read while this timer waits.
      setTimeout(check, quietMs);
    });
  const a = socket.address();
  let granted = 0;
  try {
    granted = socket.getRecvBufferSize();
  } catch {
    // not available on every platform
  }
  return { socket, address: { host: a.address, port: a.port }, recvBufferBytes: granted, drain };
}
