// A live-tail client that costs its machine as little as a client can: a WebSocket handshake over a plain socket,
// then every byte the server sends is counted and dropped unparsed. The benchmarks that measure what tails cost the
// broker use it, because on a two-core machine the clients' own parsing would compete with the producer too.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/** Opens `/api/v1/tail?…` on `base` (http://host:port) and resolves once the server accepted the upgrade. */
export function openRawTail(base, pathAndQuery, token) {
  const url = new URL(pathAndQuery, base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const client = { bytes: 0, close: () => socket.destroy() };
    let head = '';
    socket.once('error', reject);
    socket.on('connect', () => {
      socket.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
    });
    const onData = (d) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`tail upgrade refused: ${head.split('\r\n', 1)[0]}`));
      socket.off('data', onData);
      client.bytes = head.length - end - 4;
      socket.on('data', (chunk) => (client.bytes += chunk.length));
      resolve(client);
    };
    socket.on('data', onData);
  });
}
