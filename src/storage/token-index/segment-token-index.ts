import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { FilterCache, StoredBlock, type FilterSource } from './token-block.js';
import {
  decodeEntryHeader,
  encodeFileHeader,
  ENTRY_HEADER_BYTES,
  FILE_HEADER_BYTES,
  fileHeaderProblem,
  entryBytes,
  filterCrc,
  storedCountsCrc,
  storedFilterCrc,
  type BlockMeta,
} from './token-index-file.js';

/** What the index needs of a segment: its identity and current size (it grows while active). */
export interface IndexedSegment {
  readonly baseOffset: number;
  readonly size: number;
}

/** The result of reading a sidecar: the entries that can be trusted, and why the rest (if any) could not. */
export interface LoadedIndex {
  blocks: { meta: BlockMeta; filePos: number; filter: Uint8Array; counts: Uint8Array }[];
  /** Bytes of the file that hold the header and the trusted entries. */
  validBytes: number;
  /** Why reading stopped before the end of the file (null: the file was whole; 'missing': there was none). */
  problem: string | null;
}

/**
 * Reads a sidecar, checking every entry: its two CRCs, that blocks follow each other from position 0, and that none
 * reaches past the log's `logSize`. Stops at the first entry that fails; it and everything after are not trusted.
 */
export async function readTokenIndex(file: string, segmentBase: number, logSize: number): Promise<LoadedIndex> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { blocks: [], validBytes: 0, problem: 'missing' };
    throw err;
  }
  try {
    const fileSize = (await fh.stat()).size;
    const head = Buffer.alloc(FILE_HEADER_BYTES);
    await fh.read(head, 0, FILE_HEADER_BYTES, 0);
    const bad = fileHeaderProblem(fileSize < FILE_HEADER_BYTES ? head.subarray(0, fileSize) : head);
    if (bad) return { blocks: [], validBytes: 0, problem: bad };
    const blocks: LoadedIndex['blocks'] = [];
    const entryHead = Buffer.alloc(ENTRY_HEADER_BYTES);
    let pos = FILE_HEADER_BYTES;
    let expectStart = 0;
    while (pos < fileSize) {
      const at = `entry ${blocks.length} (file position ${pos})`;
      if (fileSize - pos < ENTRY_HEADER_BYTES) return { blocks, validBytes: pos, problem: `${at} is cut off` };
      await fh.read(entryHead, 0, ENTRY_HEADER_BYTES, pos);
      const meta = decodeEntryHeader(entryHead, 0, segmentBase);
      if (!meta) return { blocks, validBytes: pos, problem: `${at} is corrupt (CRC mismatch or impossible values)` };
      if (meta.start !== expectStart) return { blocks, validBytes: pos, problem: `${at} starts at ${meta.start}, not at ${expectStart} where the previous block ended` };
      if (meta.end > logSize) return { blocks, validBytes: pos, problem: `${at} reaches position ${meta.end}, past the log's end at ${logSize}` };
      if (fileSize - pos < entryBytes(meta)) return { blocks, validBytes: pos, problem: `${at} is cut off` };
      const body = Buffer.alloc(meta.filterBytes + meta.countsBytes);
      await fh.read(body, 0, body.length, pos + ENTRY_HEADER_BYTES);
      const filter = body.subarray(0, meta.filterBytes);
      const counts = body.subarray(meta.filterBytes);
      if (filterCrc(filter) !== storedFilterCrc(entryHead, 0)) return { blocks, validBytes: pos, problem: `${at} has a corrupt filter (CRC mismatch)` };
      if (filterCrc(counts) !== storedCountsCrc(entryHead, 0)) return { blocks, validBytes: pos, problem: `${at} has corrupt level counts (CRC mismatch)` };
      blocks.push({ meta, filePos: pos, filter, counts });
      pos += entryBytes(meta);
      expectStart = meta.end;
    }
    return { blocks, validBytes: pos, problem: null };
  } finally {
    await fh.close();
  }
}

/**
 * After recovery cut a segment's log to `logSize`: drop the sidecar's entries of blocks reaching past it (they describe
 * bytes that are gone; new appends will put other bytes there). Walks entry headers only. Synchronous: it runs while
 * the partition is opened, before anything can be appended.
 */
export function trimTokenIndexSync(file: string, segmentBase: number, logSize: number): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const fileSize = fs.fstatSync(fd).size;
    const head = Buffer.alloc(ENTRY_HEADER_BYTES);
    let keep = 0;
    if (fs.readSync(fd, head, 0, FILE_HEADER_BYTES, 0) === FILE_HEADER_BYTES && fileHeaderProblem(head.subarray(0, FILE_HEADER_BYTES)) === null) {
      keep = FILE_HEADER_BYTES;
      while (keep + ENTRY_HEADER_BYTES <= fileSize && fs.readSync(fd, head, 0, ENTRY_HEADER_BYTES, keep) === ENTRY_HEADER_BYTES) {
        const meta = decodeEntryHeader(head, 0, segmentBase);
        if (!meta || meta.end > logSize) break;
        keep += entryBytes(meta);
      }
      keep = Math.min(keep, fileSize);
    }
    if (keep < fileSize) fs.ftruncateSync(fd, keep);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One segment's token index: its blocks (oldest first, back to back from position 0) and its sidecar file. The
 * indexer appends blocks as they are built; while `blockStart` is set, appends to the segment cut new blocks there.
 */
export class SegmentTokenIndex implements FilterSource {
  readonly blocks: StoredBlock[] = [];
  /** Bytes of the sidecar that hold the header and our entries (0: no file yet). */
  fileBytes = 0;
  /** Live mode: where the block being filled by appends starts. Null while loading or catching up. */
  blockStart: number | null = null;
  /** No longer appended to (rolled, or not the active segment at load). */
  sealed: boolean;
  state: 'loading' | 'ready' | 'stopped' | 'gone' = 'loading';
  /** False after a write failed: blocks still work from memory, the next start rebuilds the file. */
  private writable = true;

  constructor(
    readonly segment: IndexedSegment,
    readonly file: string,
    /** Raw bytes of the segment's log (null: the segment is gone). */
    /** Into `into` when it is large enough. */
    readonly read: (pos: number, length: number, into?: Buffer) => Promise<Buffer | null>,
    sealed: boolean,
    private readonly cache: FilterCache,
    private readonly warn: (m: string) => void,
  ) {
    this.sealed = sealed;
  }

  get base(): number {
    return this.segment.baseOffset;
  }

  /** Log bytes covered by blocks: everything below this position is indexed. */
  get coveredEnd(): number {
    return this.blocks.length ? this.blocks[this.blocks.length - 1]!.end : 0;
  }

  /** Adopt what readTokenIndex trusted; cut the file back to it (or remove a file whose header is bad). */
  async adopt(loaded: LoadedIndex): Promise<void> {
    for (const b of loaded.blocks) {
      const block = new StoredBlock(this.base, b.meta, b.filePos, this.cache, this, b.counts);
      this.blocks.push(block);
      this.cache.put(block, b.filter);
    }
    this.fileBytes = loaded.validBytes;
    if (loaded.problem === null || loaded.problem === 'missing') return;
    try {
      if (loaded.validBytes === 0) await fsp.rm(this.file, { force: true });
      else await fsp.truncate(this.file, loaded.validBytes);
    } catch (err) {
      this.writable = false;
      this.warn(`could not cut back ${this.file} (${(err as Error).message}); its blocks are rebuilt in memory only until the next start`);
    }
  }

  /** Append one built entry; false (and nothing kept) when it does not continue the blocks or the segment is gone. */
  addEntry(meta: BlockMeta, entry: Buffer, levels: Uint8Array | null = null): boolean {
    if (this.state !== 'ready' || meta.start !== this.coveredEnd) return false;
    let filePos = -1;
    if (this.writable) {
      const fresh = this.fileBytes === 0;
      const bytes = fresh ? Buffer.concat([encodeFileHeader(), entry]) : entry;
      try {
        const fd = fs.openSync(this.file, fresh ? 'w' : 'r+');
        try {
          let done = 0;
          while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, this.fileBytes + done);
        } finally {
          fs.closeSync(fd);
        }
        filePos = fresh ? FILE_HEADER_BYTES : this.fileBytes;
        this.fileBytes += bytes.length;
      } catch (err) {
        this.writable = false;
        fs.rm(this.file, { force: true }, () => {});
        this.warn(`could not write ${this.file} (${(err as Error).message}); searches use the blocks in memory, the next start rebuilds the file`);
      }
    }
    const filterEnd = ENTRY_HEADER_BYTES + meta.filterBytes;
    const block = new StoredBlock(this.base, meta, filePos, this.cache, this, entry.subarray(filterEnd, filterEnd + meta.countsBytes), levels);
    this.blocks.push(block);
    this.cache.put(block, entry.subarray(ENTRY_HEADER_BYTES, filterEnd));
    return true;
  }

  /** Read a filter back from the sidecar, its CRC checked again; null when it cannot be (the block then matches). */
  loadFilter(block: StoredBlock): Uint8Array | null {
    if (block.filePos < 0 || this.state === 'gone') return null;
    try {
      const fd = fs.openSync(this.file, 'r');
      try {
        const buf = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + block.filterBytes);
        const n = fs.readSync(fd, buf, 0, buf.length, block.filePos);
        const filter = buf.subarray(ENTRY_HEADER_BYTES);
        if (n === buf.length && filterCrc(filter) === storedFilterCrc(buf, 0) && decodeEntryHeader(buf, 0, this.base)?.end === block.end) return filter;
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // fall through: treated as corrupt
    }
    block.untrusted = true;
    this.warn(`${this.file}: the filter of block ${block.start}-${block.end} no longer matches its CRC; that block is scanned until the index is rebuilt at the next start`);
    return null;
  }

  /** Stop for good (retention, topic deletion, close): no more writes, filters freed. */
  forget(): void {
    this.state = 'gone';
    this.blockStart = null;
    for (const b of this.blocks) this.cache.drop(b);
  }

  get indexBytes(): number {
    return this.fileBytes;
  }
}
