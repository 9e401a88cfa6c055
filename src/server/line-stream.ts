import type { Readable } from 'node:stream';
import { ApiError } from './errors.js';

/**
 * The lines of an uploaded body as it arrives, in batches of at most `batchLines`, never holding more than one batch
 * and one unfinished line: an import of gigabytes costs the memory of a batch. A line longer than `maxLineBytes` is a
 * 413 naming it (checked on the bytes still unsplit, so a body with no newline at all cannot grow without bound).
 */
export async function* lineBatches(body: Readable, maxLineBytes: number, batchLines = 1000): AsyncGenerator<string[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  let batch: string[] = [];
  const tooLong = () => new ApiError(413, 'LINE_TOO_LONG', `line ${lineNo + 1} is longer than ${maxLineBytes} bytes; nothing after it was read`);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (pendingBytes + piece.length > maxLineBytes) throw tooLong();
      const line = pending.length === 0 ? piece.toString('utf8') : Buffer.concat([...pending, piece]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      lineNo++;
      batch.push(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = nl + 1;
      if (batch.length >= batchLines) {
        yield batch;
        batch = [];
      }
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes) throw tooLong();
      pending.push(chunk.subarray(start));
    }
  }
  if (pendingBytes > 0) batch.push(Buffer.concat(pending).toString('utf8'));
  if (batch.length > 0) yield batch;
}
