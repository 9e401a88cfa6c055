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
  /** TLS: the TCP connections under it (those still in their handshake too), destroyed with the rest on close. */
  raw?: Set<Socket>;
  /** TLS with the generated certificate: the CA file senders trust. */
  caFile?: string | null;
}

/**
 * One syslog stream (plain TCP, or TLS after its handshake): its own framer (octet-counting or newline, per message),
 * so memory is bounded by maxMessageBytes per connection whatever the sender does.
 */
export function serveSyslogStream(socket: Socket, maxMessageBytes: number, sockets: Set<Socket>, h: TcpHandlers): void {
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
}

/** Binds a server, turning a bind failure into an error that names the config key to change. */
export async function bind(server: Server, at: ListenAddress, what: string, key: string): Promise<ListenAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(listenError(what, key, at, e as NodeJS.ErrnoException)));
    server.listen(at.port, at.host, () => resolve());
  });
  server.removeAllListeners('error');
  const a = server.address();
  return a && typeof a === 'object' ? { host: a.address, port: a.port } : at;
}

/** Syslog over TCP (RFC 6587). */
export async function listenSyslogTcp(at: ListenAddress, maxMessageBytes: number, h: TcpHandlers): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => serveSyslogStream(socket, maxMessageBytes, sockets, h));
  const address = await bind(server, at, 'syslog tcp', 'ingest.syslog.tcp');
  return { server, address, sockets };
}
