import type { IncomingMessage } from 'node:http';
import { createGunzip, type Gunzip } from 'node:zlib';
import { HttpError } from './http-error.js';

/**
 * Reads a request body of at most `maxBytes`, both as sent and after decompression (Content-Encoding: gzip is
 * streamed through zlib, so a small compressed body cannot expand past the limit in memory). Over the limit: 413.
 * An unsupported Content-Encoding: 415; a corrupt gzip stream: 400. On failure the rest of the body is read and
 * discarded so that the client, still sending, gets the answer instead of a reset connection.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    return Promise.reject(new HttpError(415, `Content-Encoding ${encoding} is not supported; send the body uncompressed or with gzip`));
  }
  const tooLarge = (what: string) => new HttpError(413, `request body${what} exceeds maxBodyBytes (${maxBytes} bytes); send smaller requests`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(` of ${declared} bytes`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let raw = 0;
    let decoded = 0;
    let settled = false;
    let gunzip: Gunzip | null = null;
    const fail = (e: HttpError) => {
      if (settled) return;
      settled = true;
      gunzip?.destroy();
      req.unpipe();
      req.resume(); // drain and discard
      reject(e);
    };
    const collect = (c: Buffer) => {
      decoded += c.length;
      if (decoded > maxBytes) fail(tooLarge(encoding === 'identity' ? '' : ' after gzip decompression'));
      else chunks.push(c);
    };
    req.on('close', () => {
      if (!req.complete) fail(new HttpError(400, 'the client closed the connection before the end of the body'));
    });
    req.on('error', (e) => fail(new HttpError(400, `reading the request body failed: ${e.message}`)));
    if (encoding === 'identity') {
      req.on('data', (c: Buffer) => {
        if (!settled) collect(c);
      });
      req.on('end', () => {
        if (settled) return;
        settled = true;
        resolve(Buffer.concat(chunks));
      });
      return;
    }
    const gz = createGunzip();
    gunzip = gz;
    req.on('data', (c: Buffer) => {
      raw += c.length;
      if (raw > maxBytes) fail(tooLarge(' (compressed)'));
    });
    gz.on('data', (c: Buffer) => {
      if (!settled) collect(c);
    });
    gz.on('error', (e) => fail(new HttpError(400, `the body is not valid gzip: ${e.message}`)));
    gz.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    req.pipe(gz);
  });
}
