/**
 * Cuts a file's bytes into lines at \n (a trailing \r is dropped too). Only complete lines come out; the bytes after
 * the last \n wait for the next chunk. Memory is bounded: of a line longer than maxLineBytes only the first
 * maxLineBytes are kept and the rest is counted, never buffered, so a 10 MB line costs maxLineBytes.
 */
export type LineHandler = (
  buf: Buffer,
  start: number,
  end: number,
  /** Size of the whole line; more than end - start when its tail was streamed past. */
  totalBytes: number,
  /** File offset just past the line's \n. */
  endOffset: number,
) => void;

const SHRINK_ABOVE = 64 * 1024;

export class LineSplitter {
  private partial: Buffer | null = null;
  private partialLen = 0;
  /** Bytes of the pending line beyond what `partial` keeps. */
  private skipped = 0;
  /** File offset where the pending line starts, -1 when there is none. */
  private partialStart = -1;
  /** Last byte of the pending line so far (kept or skipped): a CR there belongs to the line ending. */
  private lastByte = -1;

  constructor(private readonly maxLineBytes: number) {}

  /** Bytes held for an incomplete line (its kept head). */
  get bufferedBytes(): number {
    return this.partial?.length ?? 0;
  }

  /** File offset where the incomplete line starts, or -1. */
  get pendingStart(): number {
    return this.partialStart;
  }

  /** Feeds `chunk[0, len)`, read at file offset `chunkOffset`, calling `onLine` for every line it completes. */
  push(chunk: Buffer, len: number, chunkOffset: number, onLine: LineHandler): void {
    const view = len === chunk.length ? chunk : chunk.subarray(0, len);
    let pos = 0;
    if (this.partialStart >= 0) {
      const nl = view.indexOf(10);
      if (nl === -1) {
        this.keep(view, 0, len);
        return;
      }
      this.keep(view, 0, nl);
      this.emitPartial(chunkOffset + nl + 1, onLine);
      pos = nl + 1;
    }
    while (pos < len) {
      const nl = view.indexOf(10, pos);
      if (nl === -1) {
        this.partialStart = chunkOffset + pos;
        this.keep(view, pos, len);
        return;
      }
      let end = nl;
      if (end > pos && view[end - 1] === 13) end--;
      onLine(view, pos, end, end - pos, chunkOffset + nl + 1);
      pos = nl + 1;
    }
  }

  /** Emits the incomplete line as if it had its newline (a finished file's last line); returns whether there was one. */
  flush(onLine: LineHandler): boolean {
    if (this.partialStart < 0) return false;
    this.emitPartial(this.partialStart + this.partialLen + this.skipped, onLine);
    return true;
  }

  /** Forgets the incomplete line (the file was truncated under it). */
  reset(): void {
    this.partialLen = 0;
    this.skipped = 0;
    this.partialStart = -1;
    this.lastByte = -1;
    this.release();
  }

  private emitPartial(endOffset: number, onLine: LineHandler): void {
    const buf = this.partial ?? Buffer.alloc(0);
    let end = this.partialLen;
    let total = this.partialLen + this.skipped;
    // The CR of a CRLF is not part of the line, whether it was kept or streamed past (a line cut by a read must come
    // out exactly as it does when the whole line is in one read).
    if (this.lastByte === 13) {
      if (this.skipped === 0) end--;
      total--;
    }
    onLine(buf, 0, end, total, endOffset);
    this.partialLen = 0;
    this.skipped = 0;
    this.partialStart = -1;
    this.lastByte = -1;
    this.release();
  }

  /** Don't keep a big buffer around after one long line. */
  private release(): void {
    if (this.partial && this.partial.length > SHRINK_ABOVE) this.partial = null;
  }

  private keep(src: Buffer, start: number, end: number): void {
    if (end > start) this.lastByte = src[end - 1]!;
    const room = this.maxLineBytes - this.partialLen;
    const n = Math.min(end - start, Math.max(0, room));
    if (n > 0) {
      const need = this.partialLen + n;
      if (!this.partial || this.partial.length < need) {
        const grown = Buffer.allocUnsafe(Math.min(this.maxLineBytes, Math.max(need, (this.partial?.length ?? 0) * 2, 256)));
        if (this.partial) this.partial.copy(grown, 0, 0, this.partialLen);
        this.partial = grown;
      }
      src.copy(this.partial, this.partialLen, start, start + n);
      this.partialLen += n;
    }
    this.skipped += end - start - n;
  }
}
