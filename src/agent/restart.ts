// What a starting agent makes of its send journal: the batches the last run was sending when it stopped, rebuilt
// from the same bytes of the same files (the shipper sends them again with the same sequence numbers, and the broker
// drops those it already has), and how far each file's records are stored or being sent (the tailer reads on from
// there). See shipper/send-journal.ts.
import type { FilePosition, SourcedRecord } from '../collect/record.js';
import { lastPositions, type FileTailer, type ResumePoint } from '../collect/tail/index.js';
import type { Logger } from '../common/logger.js';
import { formatCount } from '../common/format.js';
import type { JournalPlan, JournalRead, Replay, SentBatch } from './shipper/index.js';

export interface Restart {
  /** For the shipper: continue as the last run's producer, sending these batches first. */
  resume: { plan: JournalPlan; replays: Replay[] } | null;
  /** For the tailer. */
  positions: ResumePoint[];
  /** Per replay, in order: the positions to commit once the broker has it. */
  commits: FilePosition[][];
}

const NONE: Restart = { resume: null, positions: [], commits: [] };

export async function planRestart(read: JournalRead, tailer: FileTailer | null, logger: Logger): Promise<Restart> {
  const plan = read.plan;
  if (!plan) return NONE;
  if (read.distrust) {
    logger.warn(`${read.distrust}: starting a new producer — lines read since the last checkpoint are sent again and may be written twice`);
    return NONE;
  }
  const replays: Replay[] = [];
  const commits: FilePosition[][] = [];
  for (const b of plan.inFlight) {
    if (b.spool) continue; // read again from the disk buffer, with its sequence (shipper.ts)
    const records = b.runs && tailer ? await rebuild(b, tailer) : null;
    if (records) {
      replays.push({ batch: b, records });
      commits.push(lastPositions(records));
      continue;
    }
    const what = b.runs ? `its lines are no longer all in ${[...new Set(b.runs.map((r) => r.file.path))].join(', ')} or its neighbours` : 'it did not come from log files (host metrics) or was split';
    logger.warn(
      `the batch of ${formatCount(b.records)} records in flight to ${b.topic}-${b.partition} when the agent last stopped cannot be rebuilt (${what}): if the broker had it, lines in it that are read again are written twice`,
    );
  }
  // Files: on from where their sent records end.
  const points = new Map<string, ResumePoint>();
  for (const [fileId, { file, offset }] of plan.acked) points.set(fileId, { file, acked: offset, sent: offset });
  for (const { batch } of replays) {
    for (const run of batch.runs!) {
      const p = points.get(run.fileId) ?? { file: run.file, acked: run.start, sent: run.start };
      p.sent = Math.max(p.sent, run.end);
      points.set(run.fileId, p);
    }
  }
  return { resume: { plan, replays }, positions: [...points.values()], commits };
}

/** The batch's records read again from its byte ranges; null unless every range gives exactly as many records. */
async function rebuild(b: SentBatch, tailer: FileTailer): Promise<SourcedRecord[] | null> {
  const records: SourcedRecord[] = [];
  for (const run of b.runs!) {
    const part = await tailer.readRange(run.file, run.start, run.end);
    if (!part || part.length !== run.records) return null;
    for (const r of part) records.push(r);
  }
  return records.length === b.records ? records : null;
}
