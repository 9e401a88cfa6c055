// Writing many lines to stdout without buffering them all in memory when the reader (a pipe, a terminal) is slower.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export class LineWriter {
  constructor(private readonly stream: Writable = process.stdout) {}

  /** Writes the lines as one chunk and waits for the stream to drain if it is full. */
  async writeLines(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    if (!this.stream.write(`${lines.join('\n')}\n`)) await once(this.stream, 'drain');
  }
}
