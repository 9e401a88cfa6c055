import type { Server, Socket } from 'node:net';
import type { Logger } from '../../common/logger.js';
import { peerAddress } from '../../common/listen.js';
import { ThrottledWarning } from '../../broker/throttled-warning.js';

/**
 * The TCP connections under an HTTPS listener, those still in their TLS handshake included (the HTTP layer sees a
 * connection only once it is secure), so closing can drop a stalled one instead of waiting out the handshake timeout.
 * A failed handshake (plain HTTP on the HTTPS port, garbage, an untrusting client) closes that connection alone,
 * with a throttled warning.
 */
export function trackTlsConnections(server: Server, log: Logger): Set<Socket> {
  const raw = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    raw.add(s);
    // Read now: Node keeps the peer's address once read, so a handshake that fails after the client has gone can
    // still say where it came from (the TLS socket itself no longer knows by then).
    void s.remoteAddress;
    s.once('close', () => raw.delete(s));
  });
  const failed = new ThrottledWarning(log);
  server.on('tlsClientError', (e: NodeJS.ErrnoException, s: Socket) => {
    const from = s.remoteAddress ?? (s as Socket & { _parent?: Socket })._parent?.remoteAddress;
    failed.warn(`http ingest: TLS handshake from ${peerAddress(from)} failed (${e.code ?? e.message}): a client speaking plain HTTP to this HTTPS listener, or one that does not trust this certificate`);
    s.destroy();
  });
  return raw;
}
