import type { TopicAdmin } from '../broker/services.js';
import type { LogManager, PartitionLog } from '../storage/index.js';
import type { Reshape } from './flow-config.js';
import { appendLocal, readLocal } from './local-append.js';
import { markedInput, plainInput, resumeFromTail, sourceId } from './markers.js';
import { Reshaper } from './reshape.js';
import type { FlowRecord, FlowTarget } from './target.js';

export interface LocalTopics {
  logs: LogManager;
  topics: TopicAdmin;
}

/**
 * Creates `topic` with `partitions` partitions, or checks that an existing one has exactly that many (source
 * partition p is written to partition p, which is what makes the copy exactly-once).
 */
export function ensureLocalTopic(local: LocalTopics, topic: string, partitions: number, role: string): void {
  const info = local.logs.getTopic(topic);
  if (!info) {
    local.topics.createTopic(topic, partitions, {}, false);
    return;
  }
  if (info.partitions !== partitions) {
    throw new Error(`the ${role} ${topic} has ${info.partitions} partitions but the source has ${partitions}: source partition p is written to partition p, so they must match; delete ${topic} or choose another topic`);
  }
}

/** A derived topic: another local topic, records as they are or reshaped, each batch's last marked with its source offset. */
export class DerivedTopicTarget implements FlowTarget {
  readonly deadLettered = 0;
  readonly retries = 0;
  private readonly reshaper: Reshaper | null;

  constructor(
    private readonly local: LocalTopics,
    private readonly sourceTopic: string,
    private readonly topic: string,
    reshape: Reshape | undefined,
  ) {
    this.reshaper = reshape ? new Reshaper(reshape) : null;
  }

  private log(p: number): PartitionLog {
    const log = this.local.logs.partition(this.topic, p);
    if (!log) throw new Error(`the target topic ${this.topic} has no partition ${p} (was it deleted?)`);
    return log;
  }

  async open(sourcePartitions: number): Promise<Map<number, number>> {
    ensureLocalTopic(this.local, this.topic, sourcePartitions, 'target topic');
    const out = new Map<number, number>();
    for (let p = 0; p < sourcePartitions; p++) {
      const log = this.log(p);
      const at = await resumeFromTail((o) => readLocal(log, o), log.logStartOffset, log.logEndOffset, sourceId(this.sourceTopic, p));
      if (at !== null) out.set(p, at);
    }
    return out;
  }

  async write(partition: number, records: FlowRecord[]): Promise<void> {
    const r = this.reshaper;
    const inputs = records.map((x) => plainInput(x, r ? r.value(x) : x.value));
    await appendLocal(this.log(partition), inputs, (i) => markedInput(records[i]!, inputs[i]!.value));
  }

  async close(): Promise<void> {}
}
