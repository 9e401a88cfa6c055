import { createServer, type Server, type Socket } from 'node:net';
import type { ListenAddress } from '../config.js';
import { listenError, peerAddress } from '../../common/listen.js';
import { SyslogFramer, type Frame } from './framing.js';

export interface TcpHandlers {
  onFrame(frame: Frame, remote: string, socket: Socket): void;
  onConnection(delta: 1 | -1): void;
}

export interface TcpListener {
  server: Server;
  address: ListenAddress;
  sockets: Set<Socket>;
}

/** Syslog over TCP: each connection gets its own framer (octet-counting or newline, per message). */
export async function listenSyslogTcp(at: ListenAddress, maxMessageBytes: number, h: TcpHandlers): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const remote = peerAddress(socket.remoteAddress);
    const framer = new SyslogFramer(maxMessageBytes);
    sockets.add(socket);
    h.onConnection(1);
    socket.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) h.onFrame(f, remote, socket);
    });
    socket.on('error', () => {}); // a reset by the sender ends the connection like a close
    socket.on('close', () => {
      for (const f of framer.end()) h.onFrame(f, remote, socket);
      sockets.delete(socket);
      h.onConnection(-1);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(listenError('syslog tcp', 'ingest.syslog.tcp', at, e as NodeJS.ErrnoException)));
    server.listen(at.port, at.host, () => resolve());
  });
  server.removeAllListeners('error');
  const a = server.address();
  const address = a && typeof a === 'object' ? { host: a.address, port: a.port } : at;
  return { server, address, sockets };
}
