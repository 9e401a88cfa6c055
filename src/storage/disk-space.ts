import fs from 'node:fs';
import type { Logger } from '../common/logger.js';
import { formatBytes } from '../common/format.js';
import { ioHint } from './io-errors.js';

/** Warn when free space on the data directory's file system drops below 5 % of it or below 1 GiB, whichever is more. */
export const LOW_SPACE_FRACTION = 0.05;
export const LOW_SPACE_BYTES = 1024 ** 3;
export const DEFAULT_DISK_CHECK_INTERVAL_MS = 10_000;

/**
 * The data directory's disk, as the broker sees it: a periodic free-space check (statfs) that
 * warns before the disk is full, and the state of writes. When a write fails (ENOSPC, most
 * often) the failed append is cut back and answered with KAFKA_STORAGE_ERROR, reads go on,
 * and the next write simply tries again, so the broker resumes by itself when space returns.
 * This only keeps the log readable: one line when writes start failing, one when they work
 * again, instead of one per refused request.
 */
export class DiskSpace {
  /** A write failed and none has succeeded since. Read on every append, so it is a plain field. */
  failing = false;
  /** Some index could not be written since the last successful index write. */
  indexesFailing = false;
  private low = false;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Check now and then every `intervalMs` (0: never). */
  start(intervalMs: number): void {
    void this.check();
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One statfs; warns when free space crosses below the threshold, and says so when it is back above. */
  check(): Promise<void> {
    this.checking ??= new Promise<void>((resolve) => {
      fs.statfs(this.dir, (err, s) => {
        this.checking = null;
        resolve();
        if (err) return; // the data directory is checked by every write anyway
        const free = s.bavail * s.bsize;
        const size = s.blocks * s.bsize;
        const threshold = Math.max(size * LOW_SPACE_FRACTION, LOW_SPACE_BYTES);
        const low = free < threshold;
        if (low && !this.low) {
          this.logger.warn(
            `the disk of ${this.dir} is nearly full: ${formatBytes(free)} free of ${formatBytes(size)} (warning below 5 % or 1 GiB). ` +
              'When it is full, produce requests fail with KAFKA_STORAGE_ERROR until space is freed: lower retention.ms or retention.bytes, delete topics, or free space on that disk',
          );
        } else if (!low && this.low) {
          this.logger.info(`the disk of ${this.dir} has room again: ${formatBytes(free)} free of ${formatBytes(size)}`);
        }
        this.low = low;
      });
    });
    return this.checking;
  }

  /** A write to the data directory failed (nothing of it was kept). Logged once per run of failures. */
  writeFailed(what: string, err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.error(
      `${what} failed: ${(err as Error).message}; ${ioHint(err)}. Produce requests are answered with KAFKA_STORAGE_ERROR and nothing acknowledged is lost; ` +
        'reads go on, and writes resume by themselves once they succeed again',
    );
    void this.check();
  }

  /** A write succeeded: if writes were failing, say they work again. */
  writeSucceeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info(`writes to ${this.dir} succeed again; produce requests are accepted`);
  }

  /** An index file could not be written (kept in memory and written later; rebuilt from the log if it never is). */
  indexWriteFailed(what: string, err: unknown): void {
    if (this.indexesFailing) return;
    this.indexesFailing = true;
    this.logger.warn(`${what} failed: ${(err as Error).message}; ${ioHint(err)}. The indexes stay in memory and are written once there is room (or rebuilt from the log at the next start)`);
  }

  indexesWritten(): void {
    this.indexesFailing = false;
  }
}
