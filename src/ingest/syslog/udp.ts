import { createSocket, type Socket } from 'node:dgram';
import type { ListenAddress } from '../config.js';
import { listenError, peerAddress } from '../../common/listen.js';

export interface UdpListener {
  socket: Socket;
  address: ListenAddress;
  /** SO_RCVBUF the kernel granted (Linux reports twice the usable size, and caps it at net.core.rmem_max). */
  recvBufferBytes: number;
}

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
  socket.on('message', (msg, rinfo) => onMessage(msg, peerAddress(rinfo.address)));
  const a = socket.address();
  let granted = 0;
  try {
    granted = socket.getRecvBufferSize();
  } catch {
    // not available on every platform
  }
  return { socket, address: { host: a.address, port: a.port }, recvBufferBytes: granted };
}
