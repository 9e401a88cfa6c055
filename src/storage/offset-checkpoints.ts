import path from 'node:path';
import type { Logger } from '../common/logger.js';
import { readOffsetCheckpoint, writeOffsetCheckpoint, writeOffsetCheckpointSync, type OffsetCheckpoint } from './checkpoint-file.js';
import { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT } from './data-dir.js';

export interface CheckpointedLog {
  readonly topic: string;
  readonly partition: number;
  readonly recoveryPoint: number;
  readonly logStartOffset: number;
}

type Entries = [string, number, number][];

/**
 * The data directory's two checkpoint files (recovery points, log start offsets). Writes are
 * periodic, not per flush: a stale recovery point only means a longer recovery after a
 * crash, and a stale log start is corrected from the first segment's base offset at load.
 */
export class OffsetCheckpoints {
  /** Some recovery point or log start moved since the last write. */
  dirty = false;
  private pending: Promise<void> = Promise.resolve();
  /** The last write failed (said once; a full disk would otherwise repeat it every interval). */
  private failing = false;

  constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
  ) {}

  read(): { recoveryPoints: OffsetCheckpoint; logStarts: OffsetCheckpoint } {
    const warn = (m: string) => this.logger.warn(m);
    return {
      recoveryPoints: readOffsetCheckpoint(path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT), warn),
      logStarts: readOffsetCheckpoint(path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT), warn),
    };
  }

  private static entries(logs: Iterable<CheckpointedLog>): { recovery: Entries; starts: Entries } {
    const recovery: Entries = [];
    const starts: Entries = [];
    for (const l of logs) {
      recovery.push([l.topic, l.partition, l.recoveryPoint]);
      starts.push([l.topic, l.partition, l.logStartOffset]);
    }
    return { recovery, starts };
  }

  /** Asynchronous and serialized, so two writes never race on the same temp file. Never rejects. */
  save(logs: Iterable<CheckpointedLog>): Promise<void> {
    this.dirty = false;
    const { recovery, starts } = OffsetCheckpoints.entries(logs);
    this.pending = this.pending.then(async () => {
      try {
        await writeOffsetCheckpoint(path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT), recovery);
        await writeOffsetCheckpoint(path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT), starts);
        if (this.failing) this.logger.info('offset checkpoints are written again');
        this.failing = false;
      } catch (err) {
        this.dirty = true;
        if (!this.failing) this.logger.error(`writing offset checkpoints failed: ${(err as Error).message} (tried again every checkpoint interval; a stale checkpoint only makes recovery after a crash longer)`);
        this.failing = true;
      }
    });
    return this.pending;
  }

  /** At shutdown, after every log is closed: waits for pending writes, then writes synchronously; throws on failure. */
  async saveFinal(logs: Iterable<CheckpointedLog>): Promise<void> {
    await this.pending;
    const { recovery, starts } = OffsetCheckpoints.entries(logs);
    writeOffsetCheckpointSync(path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT), recovery);
    writeOffsetCheckpointSync(path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT), starts);
    this.dirty = false;
  }
}
