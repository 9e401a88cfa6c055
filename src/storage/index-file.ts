import fs from 'node:fs';
import fsp from 'node:fs/promises';

/**
 * Shared persistence for the sparse indexes. Entries live in memory (typed arrays in the
 * subclasses); the file is only touched by persist(), which appends the entries added since
 * the last call in one write, or rewrites the file after a rebuild. Big-endian, like Kafka.
 */
export abstract class IndexFile {
  protected count = 0;
  private persisted = 0;
  /** Fresh or rebuilt indexes rewrite their whole file on the next persist. */
  private rewrite: boolean;

  protected constructor(
    public file: string,
    readonly baseOffset: number,
    readonly maxEntries: number,
    loadedEntries: number,
    fresh: boolean,
  ) {
    this.count = loadedEntries;
    this.persisted = loadedEntries;
    this.rewrite = fresh;
  }

  abstract readonly entrySize: number;
  protected abstract encode(i: number, out: Buffer, at: number): void;
  protected abstract grow(capacity: number): void;
  protected abstract get capacity(): number;

  get entries(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  protected reserve(): void {
    if (this.count < this.capacity) return;
    this.grow(Math.max(64, Math.min(this.capacity * 2, Math.max(this.maxEntries, this.count + 1))));
  }

  reset(): void {
    this.count = 0;
    this.persisted = 0;
    this.rewrite = true;
  }

  get dirty(): boolean {
    return this.rewrite || this.persisted < this.count;
  }

  /**
   * One write of the new entries (or of the whole file after a reset). If the write fails (a
   * full disk) part of it may be in the file: the file is removed, which frees its space and
   * leaves no half-written index to trust (a missing index is rebuilt from the log at start),
   * and the next persist writes it whole.
   */
  persist(): void {
    if (!this.dirty) return;
    const from = this.rewrite ? 0 : this.persisted;
    const buf = Buffer.allocUnsafe((this.count - from) * this.entrySize);
    for (let i = from; i < this.count; i++) this.encode(i, buf, (i - from) * this.entrySize);
    try {
      if (this.rewrite) fs.writeFileSync(this.file, buf);
      else fs.appendFileSync(this.file, buf);
    } catch (err) {
      this.rewrite = true;
      try {
        fs.rmSync(this.file, { force: true });
      } catch {
        // still there: rewritten whole (truncated) by the next persist
      }
      throw err;
    }
    this.persisted = this.count;
    this.rewrite = false;
  }

  async fsync(): Promise<void> {
    const fh = await fsp.open(this.file, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  renameTo(file: string): void {
    try {
      fs.renameSync(this.file, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.file = file;
  }
}

/** Read an index file whole; null when missing, 'invalid' when its size is not whole entries. */
export function readIndexFile(file: string, entrySize: number): Buffer | null | 'invalid' {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return buf.length % entrySize === 0 ? buf : 'invalid';
}
