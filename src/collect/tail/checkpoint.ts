import fsp from 'node:fs/promises';
import { writeFileAtomic } from '../../common/atomic-file.js';

/*
 * The checkpoint: fileId → where the tailer stands in that file, as committed by the sink. Rewritten whole and
 * crash-safely (temp file, fsync, rename, fsync directory) so a crash leaves the old or the new version, never a torn
 * one. Writes are batched: commits arriving while one is written, or within checkpointIntervalMs of the last, share the
 * next write.
 */

export interface CheckpointEntry {
  /** Path the file had when last seen (for people reading the file, and to tell a rotated log's successor). */
  path: string;
  /** Path its records carry (key and header `path`) when not `path`: where the lines were written (a rotated log). */
  recordPath?: string;
  /** Byte offset just past the last committed record. */
  offset: number;
  /** sha1 of the first `fingerprintBytes` bytes. */
  fingerprint: string;
  fingerprintBytes: number;
  dev: string;
  ino: string;
  /** sha1 of the up-to-64 bytes before `offset`, to recognise a copy of the file (copytruncate) by its content. */
  sample?: string;
  /** Set when the file is no longer followed: kept a while so a copy of it is not read twice. */
  retired?: { at: number; reason: 'truncated' | 'deleted' | 'gone' };
}

/** What identifies a file the tailer reads, as its checkpoint keeps it (used by the agent's send journal too). */
export interface FileIdentity {
  fileId: string;
  path: string;
  recordPath: string;
  dev: string;
  ino: string;
  fingerprint: string;
  fingerprintBytes: number;
}

/**
 * What a sink knows beyond the checkpoint after a crash (the agent's send journal): records of `file` up to `acked`
 * are stored, and up to `sent` they are stored or being sent again by the sink (it commits them once stored). Reading
 * goes on from `sent`.
 */
export interface ResumePoint {
  file: FileIdentity;
  acked: number | null;
  sent: number;
}

export interface CheckpointData {
  version: 1;
  files: Record<string, CheckpointEntry>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** The saved checkpoint, or null when there is none yet. */
export async function loadCheckpoint(file: string): Promise<CheckpointData | null> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CheckpointError(`cannot read the tailer checkpoint ${file}: ${(e as Error).message}; check its permissions`, { cause: e });
  }
  const fix = `move ${file} aside to start over (files are then read as startAt says, which may repeat or skip lines)`;
  let data: CheckpointData;
  try {
    data = JSON.parse(text) as CheckpointData;
  } catch (e) {
    throw new CheckpointError(`the tailer checkpoint ${file} is not valid JSON (${(e as Error).message}); ${fix}`, { cause: e });
  }
  if (data?.version !== 1 || typeof data.files !== 'object' || data.files === null) {
    throw new CheckpointError(`the tailer checkpoint ${file} has an unknown format (version ${String(data?.version)}); ${fix}`);
  }
  for (const [id, e] of Object.entries(data.files)) {
    if (typeof e?.path !== 'string' || (e.recordPath !== undefined && typeof e.recordPath !== 'string') || !Number.isSafeInteger(e.offset) || e.offset < 0 || typeof e.fingerprint !== 'string' || typeof e.dev !== 'string' || typeof e.ino !== 'string') {
      throw new CheckpointError(`the tailer checkpoint ${file} has a malformed entry for ${id}; ${fix}`);
    }
  }
  return data;
}

interface Waiter {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function waiter(): Waiter {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that does not await a commit must not cause an unhandled rejection; failures are logged by the tailer.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Coalesces checkpoint writes: request() resolves once a write started after the call is durable. */
export class CheckpointWriter {
  private next: Waiter | null = null;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastWriteAt = 0;

  constructor(
    private readonly file: string,
    private readonly intervalMs: number,
    private readonly snapshot: () => Promise<CheckpointData>,
    private readonly onError: (e: Error) => void,
  ) {}

  request(): Promise<void> {
    if (this.next) return this.next.promise;
    this.next = waiter();
    this.schedule();
    return this.next.promise;
  }

  /** Resolves when the writes already requested or running are done (at once when there are none). */
  settled(): Promise<void> {
    return this.next?.promise ?? this.writing ?? Promise.resolve();
  }

  /** Writes what is pending now, and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.writing) await this.writing.catch(() => {});
    if (this.next) await this.run();
  }

  /** Stops the timer; a pending request stays pending until flush(). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.writing) return;
    const delay = Math.max(0, this.lastWriteAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, delay);
  }

  private run(): Promise<void> {
    const w = this.next;
    if (!w) return Promise.resolve();
    this.next = null;
    this.writing = (async () => {
      try {
        const data = await this.snapshot();
        await writeFileAtomic(this.file, JSON.stringify(data));
        w.resolve();
      } catch (e) {
        const err = new CheckpointError(`cannot write the tailer checkpoint ${this.file}: ${(e as Error).message}; check free space and permissions`, { cause: e });
        this.onError(err);
        w.reject(err);
      } finally {
        this.lastWriteAt = Date.now();
        this.writing = null;
        if (this.next) this.schedule();
      }
    })();
    return this.writing;
  }
}
