import { StorageError, type PartitionLog } from '../../storage/index.js';
import type { TopicInfo } from '../../storage/types.js';
import type { Logger } from '../../common/logger.js';
import type { MetricFormat, MetricsConfig } from '../config.js';
import { walkRecords, type RecordVisitor } from './record-walker.js';

/** The part of the broker's LogManager the store reads. */
export interface MetricLogs {
  listTopics(): TopicInfo[];
  getTopic(name: string): TopicInfo | undefined;
  partition(topic: string, partition: number): PartitionLog | undefined;
}

/** How a followed partition's records are read: every record in a format, or only those with `format: influx`. */
export type FollowMode = MetricFormat | 'header';

export interface Follow {
  topic: string;
  topicId: string;
  partition: number;
  /** `topic-partition`. */
  key: string;
  mode: FollowMode;
  log: PartitionLog;
  /** Next offset to read. */
  next: number;
  /** Points of sealed hours from records before this offset are on disk already (replay after a restart). */
  replayedBelow: number;
  /** Timestamp of the newest record read (the store's watermark while it catches up). */
  lastRecordTs: number;
  onAppend: () => void;
}

/** Records sampled at the start of each partition of an unconfigured topic to decide whether it carries metrics. */
export const SAMPLE_RECORDS = 16;
const SAMPLE_BYTES = 64 * 1024;

/**
 * Which topics the store follows. Configured metric topics always, in their format. Any other topic (except internal
 * `__` ones), when detectInfluxHeader is on, is sampled once: the first SAMPLE_RECORDS records at the start of each
 * partition. If any carries the header `format: influx` (what the agent, HTTP ingest and scrapes write), the topic is
 * followed and its records with that header are read; otherwise it is not looked at again. An empty topic stays
 * undecided until it has a record. The decision is kept in the checkpoint by topic id.
 */
export class TopicSelector {
  constructor(
    private readonly logs: MetricLogs,
    private readonly config: MetricsConfig,
    /** Topic id → decision, shared with the manifest. */
    readonly decisions: Record<string, { name: string; follow: boolean }>,
    private readonly logger: Logger,
  ) {}

  configured(name: string): MetricFormat | undefined {
    return this.config.topics.find((t) => t.name === name)?.format;
  }

  /** Topics to follow now, with their mode; decides topics not decided yet (reads a few records of each). */
  async select(): Promise<{ info: TopicInfo; mode: FollowMode }[]> {
    const out: { info: TopicInfo; mode: FollowMode }[] = [];
    for (const info of this.logs.listTopics()) {
      const format = this.configured(info.name);
      if (format) {
        out.push({ info, mode: format });
        continue;
      }
      if (!this.config.detectInfluxHeader || info.name.startsWith('__')) continue;
      const id = info.id.toString('hex');
      let d = this.decisions[id];
      if (!d) {
        const found = await this.sample(info);
        if (found === null) continue;
        d = this.decisions[id] = { name: info.name, follow: found };
        if (found) this.logger.info(`metrics: topic ${info.name} carries records with the header format: influx; following it`);
      }
      if (d.follow) out.push({ info, mode: 'header' });
    }
    return out;
  }

  /** True/false when some partition has records (any with the header), null while every partition is empty. */
  private async sample(info: TopicInfo): Promise<boolean | null> {
    let seen = 0;
    let found = false;
    for (let p = 0; p < info.partitions && !found; p++) {
      const log = this.logs.partition(info.name, p);
      if (!log || log.logEndOffset <= log.logStartOffset) continue;
      let chunks: Buffer[];
      try {
        chunks = (await log.read(log.logStartOffset, SAMPLE_BYTES)).chunks;
      } catch {
        continue;
      }
      let n = 0;
      const visitor: RecordVisitor = {
        record: (_d, _s, _e, _o, _t, influx) => {
          if (n++ < SAMPLE_RECORDS && influx) found = true;
        },
        corrupt: () => {},
      };
      for (const c of chunks) walkRecords(c, log.logStartOffset, visitor);
      seen += n;
    }
    return found ? true : seen > 0 ? false : null;
  }
}

/**
 * Reads the next chunk of a followed partition; null when there is nothing new or it failed (reported). With
 * `scratch` the chunks may be views of it: consume them before the next read.
 */
export async function readNext(f: Follow, maxBytes: number, logger: Logger, scratch?: Buffer): Promise<Buffer[] | null | 'gone'> {
  if (f.next >= f.log.logEndOffset) return null;
  try {
    return (await f.log.read(f.next, maxBytes, true, scratch)).chunks;
  } catch (e) {
    if (e instanceof StorageError && e.code === 'OFFSET_OUT_OF_RANGE' && f.next < f.log.logStartOffset) {
      logger.warn(`metrics: ${f.key}: records ${f.next} to ${f.log.logStartOffset - 1} were deleted by retention before the store read them`);
      f.next = f.log.logStartOffset;
      return null;
    }
    if (e instanceof StorageError && (e.code === 'UNKNOWN_TOPIC_OR_PARTITION' || e.code === 'KAFKA_STORAGE_ERROR')) return 'gone';
    logger.warn(`metrics: reading ${f.key} at ${f.next} failed: ${(e as Error).message}`);
    return 'gone';
  }
}
