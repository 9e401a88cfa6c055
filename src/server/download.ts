import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/**
 * Answers with a streamed file download of NDJSON or CSV pieces: pulled as the socket drains (backpressure), so an
 * export of millions of records holds one piece in memory. `name` is the file name without its extension.
 */
export function sendDownload(reply: FastifyReply, pieces: AsyncIterable<string>, name: string, format: 'ndjson' | 'csv'): FastifyReply {
  const body = Readable.from(pieces, { objectMode: false, highWaterMark: 64 * 1024 });
  body.on('error', () => {}); // cancelled by a closed client, or the source went away: the stream ends short
  const csv = format === 'csv';
  return reply
    .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}"`)
    .header('cache-control', 'no-store')
    .send(body);
}
