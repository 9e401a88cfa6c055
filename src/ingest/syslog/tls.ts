import type { Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../common/logger.js';
import { peerAddress } from '../../common/listen.js';
import { ThrottledWarning } from '../../broker/throttled-warning.js';
import type { ListenAddress } from '../config.js';
import type { IngestTls } from '../tls-options.js';
import { bind, serveSyslogStream, type TcpHandlers, type TcpListener } from './tcp.js';

/**
 * Syslog over TLS (RFC 5425): TLS over TCP, then the same framing as syslog over TCP. RFC 5425 asks for octet
 * counting; newline framing is accepted too, as rsyslog and syslog-ng send it when told to. A sender that is not
 * speaking TLS, sends garbage, lacks a required client certificate or stalls its handshake (bounded by the options'
 * handshakeTimeout) loses only its own connection, with a throttled warning.
 */
export async function listenSyslogTls(at: ListenAddress, maxMessageBytes: number, tls: IngestTls, h: TcpHandlers, log: Logger): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const failed = new ThrottledWarning(log);
  // Every accepted TCP connection, those still in their handshake included, so closing need not wait for their timeout.
  const raw = new Set<Socket>();
  const server = createServer(tls.options, (socket: TLSSocket) => serveSyslogStream(socket, maxMessageBytes, sockets, h));
  server.on('connection', (s: Socket) => {
    raw.add(s);
    s.once('close', () => raw.delete(s));
  });
  server.on('tlsClientError', (e: NodeJS.ErrnoException, socket: TLSSocket) => {
    const why = tls.options.requestCert ? 'a client without TLS, without a client certificate signed by ingest.syslog.tls.clientCa, or one that does not trust this certificate' : 'a client without TLS, or one that does not trust this certificate';
    failed.warn(`syslog tls: handshake from ${peerAddress(socket.remoteAddress)} failed (${e.code ?? e.message}): ${why}`);
    socket.destroy();
  });
  const address = await bind(server, at, 'syslog tls', 'ingest.syslog.tls');
  return { server, address, sockets, raw, caFile: tls.caFile };
}
