import type { KafkaClient } from '../client/client.js';
import type { Producer, ProducerRecord } from '../client/producer.js';
import { markedInput, plainInput, resumeFromTail, sourceId } from './markers.js';
import type { FlowRecord, FlowTarget } from './target.js';

const BATCH_RECORDS = 5_000;
const BATCH_BYTES = 256 * 1024;

/**
 * A remote cluster's topic, through a connection's client: acks=all, one batch in flight per partition (the flow
 * awaits each write), source partition p to partition p. After any failure the flow opens the target again, which
 * reads the tail of each partition to learn what arrived: a batch whose acknowledgement was lost is not sent twice.
 */
export class RemoteTopicTarget implements FlowTarget {
  readonly deadLettered = 0;
  readonly retries = 0;
  private producer: Producer | null = null;

  constructor(
    private readonly client: () => KafkaClient,
    private readonly connection: string,
    private readonly sourceTopic: string,
    private readonly topic: string,
  ) {}

  async open(sourcePartitions: number): Promise<Map<number, number>> {
    const client = this.client();
    const exists = (await client.admin.listTopics()).includes(this.topic);
    if (!exists) {
      await client.admin.createTopic({ name: this.topic, partitions: sourcePartitions });
    } else {
      const [d] = await client.admin.describeTopics([this.topic]);
      const n = d!.partitions.length;
      if (n !== sourcePartitions) {
        throw new Error(`${this.connection}'s topic ${this.topic} has ${n} partitions but the source has ${sourcePartitions}: source partition p is written to partition p, so they must match; choose another topic or change its partitions`);
      }
    }
    const ranges = await client.offsets.ranges(this.topic);
    const fetcher = client.fetcher(this.topic);
    const out = new Map<number, number>();
    for (let p = 0; p < sourcePartitions; p++) {
      const range = ranges.get(p) ?? { low: 0, high: 0 };
      const read = async (o: number) => {
        const [f] = await fetcher.fetch(new Map([[p, o]]), 0);
        return { records: f?.records ?? [], next: f?.nextOffset ?? o };
      };
      const at = await resumeFromTail(read, range.low, range.high, sourceId(this.sourceTopic, p));
      if (at !== null) out.set(p, at);
    }
    this.producer = client.producer({ acks: -1 });
    return out;
  }

  /**
   * Sends in produce batches of at most BATCH_RECORDS records and about BATCH_BYTES bytes, one after the other (a
   * source read can hold a megabyte, about a broker's default max.message.bytes once each record's overhead is added).
   */
  async write(partition: number, records: FlowRecord[]): Promise<void> {
    if (!this.producer) throw new Error('the remote target is not open');
    for (let i = 0; i < records.length; ) {
      let bytes = 0;
      let j = i;
      while (j < records.length && j - i < BATCH_RECORDS && (j === i || bytes < BATCH_BYTES)) {
        const r = records[j++]!;
        bytes += 64 + (r.key?.length ?? 0) + (r.value?.length ?? 0) + r.headers.reduce((n, [k, v]) => n + k.length + (v?.length ?? 0), 0);
      }
      // One send of one partition is one record batch, appended whole: its last record carries the markers.
      const batch: ProducerRecord[] = [];
      for (let k = i; k < j; k++) {
        const m = k === j - 1 ? markedInput(records[k]!) : plainInput(records[k]!);
        batch.push({ key: m.key, value: m.value, headers: m.headers as ProducerRecord['headers'], partition, timestamp: m.timestamp });
      }
      await this.producer.send(this.topic, batch);
      i = j;
    }
  }

  async close(): Promise<void> {
    this.producer = null;
  }
}
