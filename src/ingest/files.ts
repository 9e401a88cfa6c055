import { join } from 'node:path';
import { FileTailer, lastPositions } from '../collect/tail/index.js';
import type { RecordSink, SourcedRecord } from '../collect/record.js';
import type { Logger } from '../common/logger.js';
import type { FilesConfig } from './config.js';

/**
 * Local files tailed by the broker itself: the agent's FileTailer (rotation, checkpoints, multiline defaults) with
 * the LocalProducer as its sink. Positions are committed once the records are in the log, so a restart continues
 * where the log ends. JSON lines keep their own timestamp and level, and levels are detected in text lines, so the UI
 * can colour them. The checkpoint lives in the data directory (__meta/ingest-files.checkpoint.json).
 */

export interface FileIngestStats {
  files: number;
  records: number;
  bytesRead: number;
  /** Records whose write failed (they are read again after a restart: their positions were not committed). */
  failed: number;
}

export interface FileIngest {
  stats(): FileIngestStats;
  close(): Promise<void>;
}

export const FILES_CHECKPOINT = join('__meta', 'ingest-files.checkpoint.json');

export async function startFileIngest(config: FilesConfig, dataDir: string, sink: RecordSink, log: Logger): Promise<FileIngest> {
  const tailer = new FileTailer({
    globs: config.globs,
    startAt: config.startAt,
    checkpointFile: join(dataDir, FILES_CHECKPOINT),
    parse: { json: true, level: true },
    agentName: 'tributary-broker',
    log,
  });
  const pending = new Set<Promise<void>>();
  let written = 0;
  let failed = 0;
  let failing = false;
  tailer.on('batch', (records: SourcedRecord[]) => {
    const p = sink
      .write(config.topic, records)
      .then(() => {
        written += records.length;
        if (failing) log.info(`ingest.files: writing to topic ${config.topic} works again`);
        failing = false;
        return tailer.commit(lastPositions(records));
      })
      .catch((e: Error) => {
        failed += records.length;
        if (!failing) log.error(`ingest.files: could not write ${records.length} record(s) to topic ${config.topic}: ${e.message} (they are read again after a restart)`);
        failing = true;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  });
  await tailer.start();
  return {
    stats() {
      const s = tailer.stats();
      return { files: s.files, records: written, bytesRead: s.bytesRead, failed };
    },
    async close() {
      await tailer.stop();
      await Promise.all([...pending]);
    },
  };
}
