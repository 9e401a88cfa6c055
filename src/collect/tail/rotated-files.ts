import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { hashBytes, readAt, SAMPLE_BYTES } from './file-identity.js';

/*
 * The files logrotate (and similar tools) leave beside a log: `app.log.1`, `app.log.5`, `app.log-20261202`,
 * `app.log-2026-12-02`, `app-20261202.log` (dateext with `extension .log`), each optionally compressed
 * (`app.log.1.gz`). Only gzip can be read back (node:zlib); other compressions are listed so they can be named in a
 * warning. A rotated file is identified by its content, not its name: by device + inode when it was renamed, by the
 * fingerprint of its (decompressed) first bytes when it is a copy (copytruncate, compression).
 */

export type Compression = 'gzip' | 'unreadable' | null;

export interface RotatedName {
  /** A rotation count (`.5` is older than `.1`) or a date/time stamp (digits only; later is newer). */
  age: { count: number } | { stamp: string };
  compression: Compression;
}

const COMPRESSED: Record<string, Compression> = { '.gz': 'gzip', '.bz2': 'unreadable', '.xz': 'unreadable', '.zst': 'unreadable', '.lz4': 'unreadable', '.zip': 'unreadable', '.z': 'unreadable' };
/** What logrotate puts between the name and the rest: a separator, then digits, with separators between groups. */
const SUFFIX = /^[.\-_](\d{1,20}(?:[.\-_]\d{1,20}){0,3})$/;

/** Whether `name` is a rotated copy of `base` (both file names, no directories), and how old it is by name. */
export function rotatedName(base: string, name: string): RotatedName | null {
  if (name === base) return null;
  let rest = name;
  let compression: Compression = null;
  const ext = path.extname(rest).toLowerCase();
  if (ext in COMPRESSED) {
    compression = COMPRESSED[ext]!;
    rest = rest.slice(0, -ext.length);
  }
  let suffix: string | null = null;
  if (rest.startsWith(base)) suffix = rest.slice(base.length);
  // dateext with `extension`: app.log → app-20261202.log, app.1.log.
  const baseExt = path.extname(base);
  if ((suffix === null || !SUFFIX.test(suffix)) && baseExt !== '' && rest.endsWith(baseExt)) {
    const stem = base.slice(0, -baseExt.length);
    const middle = rest.slice(0, -baseExt.length);
    if (middle.startsWith(stem)) suffix = middle.slice(stem.length);
  }
  const m = suffix === null ? null : SUFFIX.exec(suffix);
  if (!m) return null;
  const digits = m[1]!;
  // A lone short number counts rotations (higher is older); anything else is a date or time stamp (higher is newer).
  const age = /^\d{1,6}$/.test(digits) ? { count: Number(digits) } : { stamp: digits.replace(/\D/g, '') };
  return { age, compression };
}

/**
 * Older first, by name when both names say (logrotate shifts every numbered file on each rotation, and dates only
 * grow), else by modification time. Names come first because times can tie or lose precision (a copy made in the
 * same millisecond, a timestamp preserved to the second by a compressor).
 */
export function olderFirst(a: { mtimeNs: bigint; name: RotatedName }, b: { mtimeNs: bigint; name: RotatedName }): number {
  const x = a.name.age;
  const y = b.name.age;
  if ('count' in x && 'count' in y && x.count !== y.count) return y.count - x.count;
  if ('stamp' in x && 'stamp' in y && x.stamp !== y.stamp) {
    const w = Math.max(x.stamp.length, y.stamp.length);
    return x.stamp.padEnd(w, '0') < y.stamp.padEnd(w, '0') ? -1 : 1;
  }
  if (a.mtimeNs !== b.mtimeNs) return a.mtimeNs < b.mtimeNs ? -1 : 1;
  return 0;
}

export interface RotatedFile {
  path: string;
  name: RotatedName;
  dev: string;
  ino: string;
  inode: string;
  /** Bytes on disk (compressed size for a gzip file). */
  size: number;
  mtimeNs: bigint;
}

/** The rotated copies of `base` in `dir` (regular files only), oldest first (olderFirst). */
export async function listRotated(dir: string, base: string): Promise<RotatedFile[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const out: RotatedFile[] = [];
  for (const n of names) {
    const name = rotatedName(base, n);
    if (!name) continue;
    const p = path.join(dir, n);
    let st: BigIntStats;
    try {
      st = await fsp.stat(p, { bigint: true });
    } catch {
      continue; // gone meanwhile
    }
    if (!st.isFile()) continue;
    out.push({ path: p, name, dev: String(st.dev), ino: String(st.ino), inode: `${st.dev}:${st.ino}`, size: Number(st.size), mtimeNs: st.mtimeNs });
  }
  return out.sort(olderFirst);
}


/**
 * The first `n` bytes of a gzip file's content (fewer if it is shorter); decompresses only as far as needed. Throws
 * if the file is not gzip.
 */
export async function gzipHead(fh: FileHandle, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const gunzip = createGunzip();
  const input = fileChunks(fh, 16 * 1024);
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= n) break;
    }
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/**
 * The bytes of a file as a stream, read positionally through `fh` (FileHandle.createReadStream closes the handle when
 * the stream is destroyed; this one leaves it open for its owner).
 */
export function fileChunks(fh: FileHandle, chunkBytes: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let at = 0; ; ) {
      const buf = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, at);
      if (bytesRead === 0) return;
      at += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/**
 * A gzip file's decompressed size from its trailer (ISIZE: the size modulo 2^32 of the last member), or null if the
 * file is too short to have one. Exact for what logrotate writes (one member below 4 GiB); only a hint otherwise.
 */
export async function gzipSizeHint(fh: FileHandle, size: number): Promise<number | null> {
  if (size < 18) return null;
  const tail = await readAt(fh, size - 4, 4);
  return tail.length === 4 ? tail.readUInt32LE(0) : null;
}

/** The content identity of a candidate: its first `fingerprintBytes` (decompressed), hashed by prefix on demand. */
export interface ContentHead {
  head: Buffer;
  /** sha1 of the first `bytes` bytes, or null when the head is shorter than that. */
  prefixHash(bytes: number): string | null;
}

export function contentHead(head: Buffer): ContentHead {
  const cache = new Map<number, string>();
  return {
    head,
    prefixHash(bytes) {
      if (bytes > head.length) return null;
      let h = cache.get(bytes);
      if (h === undefined) cache.set(bytes, (h = hashBytes(head.subarray(0, bytes))));
      return h;
    },
  };
}

/** Keeps the last SAMPLE_BYTES bytes streamed past, to check a sample (file-identity.ts) at a position in a stream. */
export class RollingSample {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): void {
    if (chunk.length >= SAMPLE_BYTES) this.buf = Buffer.from(chunk.subarray(chunk.length - SAMPLE_BYTES));
    else {
      const joined = Buffer.concat([this.buf, chunk]);
      this.buf = joined.subarray(Math.max(0, joined.length - SAMPLE_BYTES));
    }
  }

  /** sha1 of the last min(SAMPLE_BYTES, offset) bytes, as sampleAt() computes it at `offset`. */
  hashAt(offset: number): string | undefined {
    const want = Math.min(SAMPLE_BYTES, offset);
    if (want === 0 || this.buf.length < want) return undefined;
    return createHash('sha1').update(this.buf.subarray(this.buf.length - want)).digest('hex');
  }
}
