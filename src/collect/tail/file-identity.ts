import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/*
 * A file is identified by device + inode, and a fingerprint of its first bytes tells a file apart from a later one
 * that got the same inode (inode reuse after a delete) or from the same inode truncated and rewritten. A fingerprint
 * covers min(size, fingerprintBytes) bytes and is recomputed while the file is shorter than that; it is compared as a
 * prefix: the stored hash of n bytes against the hash of the file's first n bytes now.
 */

/** Bytes before an offset kept to check that another file holds the same content there (copies). */
export const SAMPLE_BYTES = 64;

export interface Fingerprint {
  hash: string;
  bytes: number;
}

export function hashBytes(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('hex');
}

export function fingerprintOf(head: Buffer): Fingerprint {
  return { hash: hashBytes(head), bytes: head.length };
}

/** "dev:ino", exact even where inode numbers exceed 2^53. */
export function inodeKey(st: Pick<BigIntStats, 'dev' | 'ino'>): string {
  return `${st.dev}:${st.ino}`;
}

/** The fileId of a new incarnation: device, inode and the start of its fingerprint; `taken` ids get a suffix. */
export function makeFileId(inode: string, fp: Fingerprint, taken: (id: string) => boolean): string {
  const base = `${inode}:${fp.hash.slice(0, 12)}`;
  if (!taken(base)) return base;
  for (let n = 2; ; n++) if (!taken(`${base}~${n}`)) return `${base}~${n}`;
}

/** Reads up to `length` bytes at `position` (fewer at end of file). */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** Hash of the up-to-SAMPLE_BYTES bytes just before `offset`, read through `fh`; undefined if they are not all there. */
export async function sampleAt(fh: FileHandle, offset: number): Promise<string | undefined> {
  const n = Math.min(SAMPLE_BYTES, offset);
  if (n === 0) return undefined;
  const b = await readAt(fh, offset - n, n);
  return b.length === n ? hashBytes(b) : undefined;
}

/** How far back from the end startAt 'end' looks for the last complete line. */
const LAST_LINE_SCAN = 64 * 1024;

/** Offset just past the last \n in the file (startAt 'end' must not start inside a line). */
export async function lastLineEnd(fh: FileHandle, size: number): Promise<number> {
  const n = Math.min(size, LAST_LINE_SCAN);
  const tail = await readAt(fh, size - n, n);
  const nl = tail.lastIndexOf(10);
  if (nl >= 0) return size - tail.length + nl + 1;
  return size <= LAST_LINE_SCAN ? 0 : size;
}
