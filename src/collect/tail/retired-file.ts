import type { FileHandle } from 'node:fs/promises';
import type { CheckpointEntry } from './checkpoint.js';
import { CommitTracker } from './commit-tracker.js';
import { readAt, sampleAt } from './file-identity.js';
import type { TrackedFile } from './tracked-file.js';

/*
 * A file incarnation no longer followed: truncated (copytruncate), deleted, renamed out of the globs, or known only
 * from the checkpoint. Kept (bounded) for three reasons: commits for its records may still arrive; it is the same file
 * if its inode shows up again with the same first bytes; and a file with a different inode but the same content
 * (logrotate's copy, a file moved across file systems) continues from where this one stopped instead of being read
 * twice.
 */

/** How long after a truncation a copy shorter than what we read is still taken for that truncation's copy. */
export const COPY_WINDOW_MS = 60_000;
/** Bytes compared, at the end of the common part, to check that a parked copy still equals its original. */
const PREFIX_CHECK_BYTES = 4096;

export interface RetiredFile {
  fileId: string;
  dev: string;
  ino: string;
  inode: string;
  path: string;
  recordPath: string;
  fingerprint: string;
  fingerprintBytes: number;
  /** Where reading stopped: the next byte a continuation (same inode again, or a copy) starts from. */
  resumeOffset: number;
  /** sha1 of the up-to-64 bytes before resumeOffset. */
  sample: string | undefined;
  at: number;
  reason: 'truncated' | 'deleted' | 'gone';
  tracker: CommitTracker;
  /** A copy that continues this file: its commits wait for this file's records below the copy's start. */
  successor: { file: TrackedFile; until: number } | null;
  /** Loaded from the checkpoint at start ('live': it was followed then, so a rotation while down is looked for). */
  loaded?: 'live' | 'retired';
}

export function retiredFromEntry(fileId: string, e: CheckpointEntry, now: number): RetiredFile {
  return {
    fileId,
    dev: e.dev,
    ino: e.ino,
    inode: `${e.dev}:${e.ino}`,
    path: e.path,
    recordPath: e.recordPath ?? e.path,
    fingerprint: e.fingerprint,
    fingerprintBytes: e.fingerprintBytes,
    resumeOffset: e.offset,
    sample: e.sample,
    at: e.retired?.at ?? now,
    reason: e.retired?.reason ?? 'gone',
    tracker: new CommitTracker(e.offset),
    successor: null,
    loaded: e.retired ? 'retired' : 'live',
  };
}

/**
 * Where a file holding the same first bytes as `r` (but another inode) continues, or undefined if it is not a copy:
 * at r's resume offset when the copy has the same bytes just before it; at the copy's end when the copy is shorter
 * than what was read of r and is known to be a copy (checked against the live original while parked, or taken
 * shortly after r was truncated, as logrotate's copytruncate does).
 */
export async function copyResumeOffset(r: RetiredFile, fh: FileHandle, verifiedCopy: boolean, now: number): Promise<number | undefined> {
  // Stat now, after r was retired: a copy that was still being written when we first saw it is complete by the time
  // its original is truncated (copytruncate copies first), so its size now is final.
  const { size } = await fh.stat();
  if (size >= r.resumeOffset) {
    if (r.sample === undefined) return r.resumeOffset <= r.fingerprintBytes ? r.resumeOffset : undefined;
    return (await sampleAt(fh, r.resumeOffset)) === r.sample ? r.resumeOffset : undefined;
  }
  if (verifiedCopy || (r.reason === 'truncated' && now - r.at < COPY_WINDOW_MS)) return size;
  return undefined;
}

/**
 * Whether `copy` is still a prefix of `original` (both open): the bytes just before the end of their common part are
 * equal and the copy is not longer. A file that only shares its first bytes with another (a rotated log's successor
 * that starts with the same banner) fails this as soon as it holds something of its own.
 */
export async function stillPrefix(copy: TrackedFile, original: TrackedFile): Promise<boolean> {
  const [a, b] = await Promise.all([copy.fh.stat(), original.fh.stat()]);
  if (a.size > b.size) return false;
  const end = a.size;
  const start = Math.max(0, end - PREFIX_CHECK_BYTES);
  const [x, y] = await Promise.all([readAt(copy.fh, start, end - start), readAt(original.fh, start, end - start)]);
  return x.equals(y);
}

/** The retired form of a followed file that stopped at `resumeOffset`. */
export function retiredFromTracked(f: TrackedFile, reason: RetiredFile['reason'], sample: string | undefined, resumeOffset: number): RetiredFile {
  return {
    fileId: f.fileId,
    dev: f.dev,
    ino: f.ino,
    inode: f.inode,
    path: f.path,
    recordPath: f.recordPath,
    fingerprint: f.headHash,
    fingerprintBytes: f.head.length,
    resumeOffset,
    sample,
    at: Date.now(),
    reason,
    tracker: f.tracker,
    successor: null,
  };
}
