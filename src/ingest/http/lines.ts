import { utf8LengthOver } from '../../collect/line-size.js';
import { HttpError } from './http-error.js';

/**
 * Calls `fn` for every non-blank line of a body (LF or CRLF), with its 1-based line number counting every line, so
 * errors point at the line in the file the client sent. A line longer than `maxLineBytes` (UTF-8, without its line
 * ending) is a 413 naming it, before it is parsed; an error thrown by `fn` becomes a 400 `line N: …` (except the
 * TypeError/RangeError/ReferenceError of a bug, which become a 500).
 */
export function eachLine(text: string, maxLineBytes: number, fn: (line: string, lineNo: number) => void): void {
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    start = end + 1;
    if (utf8LengthOver(line, maxLineBytes)) throw lineTooLong(lineNo, Buffer.byteLength(line), maxLineBytes);
    if (line.trim() === '') continue;
    try {
      fn(line, lineNo);
    } catch (e) {
      // A parser's refusal is the client's error (400); a bug in ours must not pass for one: it stays a 500, logged.
      if (e instanceof HttpError || e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError) throw e;
      throw new HttpError(400, `line ${lineNo}: ${(e as Error).message}`);
    }
  }
}

export function lineTooLong(lineNo: number, bytes: number, maxLineBytes: number): HttpError {
  return new HttpError(413, `line ${lineNo}: ${bytes} bytes exceeds maxLineBytes (${maxLineBytes}); split it into shorter lines or raise ingest.http.maxLineBytes`);
}
