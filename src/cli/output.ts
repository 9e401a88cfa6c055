// Writing many lines to stdout without buffering them all in memory when the reader (a pipe, a terminal) is slower.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const NEWLINE = 0x0a;

/**
 * Lines for one write, each followed by "\n". A record value that already is valid UTF-8 goes in as its own bytes:
 * decoding it to a string and encoding it back would only cost time (for 1M records, most of the CLI's CPU).
 */
export class LineBatch {
  private readonly parts: Array<string | Buffer> = [];
  private bytes = 0;

  get length(): number {
    return this.parts.length;
  }

  addText(line: string): void {
    this.parts.push(line);
    this.bytes += Buffer.byteLength(line, 'utf8') + 1;
  }

  addBytes(line: Buffer): void {
    this.parts.push(line);
    this.bytes += line.length + 1;
  }

  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes);
    let pos = 0;
    for (const part of this.parts) {
      pos += typeof part === 'string' ? out.write(part, pos, 'utf8') : part.copy(out, pos);
      out[pos++] = NEWLINE;
    }
    return out;
  }
}

export class LineWriter {
  constructor(private readonly stream: Writable = process.stdout) {}

  /** Writes the lines as one chunk and waits for the stream to drain if it is full. */
  async write(batch: LineBatch): Promise<void> {
    if (batch.length === 0) return;
    if (!this.stream.write(batch.toBuffer())) await once(this.stream, 'drain');
  }
}
