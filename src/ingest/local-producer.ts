import { EventEmitter } from 'node:events';
import type { AgentRecord, RecordSink } from '../collect/record.js';
import { buildRecordBatch, type RecordInput } from '../protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD, readBatchHeader } from '../protocol/record-batch.js';
import { validateTopicName, type LogManager } from '../storage/index.js';
import { StorageError, type AppendResult, type TopicInfo } from '../storage/types.js';
import { IngestError } from './errors.js';
import { partitionForKey } from '../protocol/murmur2.js';

/** What the producer needs from the broker (the Broker class satisfies it). */
export interface LocalLog {
  readonly logs: LogManager;
  /** The topic, auto-created with the broker's defaults when allowed; undefined when it does not exist. */
  topicForWrite(name: string, allowAutoCreate: boolean): Promise<TopicInfo | undefined>;
}

export interface LocalProducerStats {
  records: number;
  batches: number;
  bytes: number;
}

/** One record for LocalProducer.produce: a null value is a tombstone. */
export interface SingleRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  timestamp: number;
  headers: Record<string, string>;
}

/** Per-record bytes beyond key, value and header strings (varints, attributes); an estimate for splitting only. */
const RECORD_OVERHEAD_ESTIMATE = 32;

const byteLength = (v: string | Buffer | null): number => (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

function toInput(r: AgentRecord): RecordInput {
  return { key: r.key, value: r.value, timestamp: r.timestamp, headers: Object.entries(r.headers) };
}

/**
 * The RecordSink for in-process ingest: writes records straight into the embedded broker's log, no network.
 * Keyed records go where Kafka's default partitioner would put them (murmur2 of the key); unkeyed records of one
 * call stick to one partition, and the next call moves on to the next partition (sticky, round-robin per call).
 * Each call builds one record batch per partition (more only when one would exceed the topic's max.message.bytes),
 * appends them all synchronously once every batch is built, then waits for fsync where the flush policy asks for it.
 * When the topic already exists the appends happen before write() returns its promise, so calls land in call order.
 */
export class LocalProducer extends EventEmitter implements RecordSink {
  readonly saturated = false;
  readonly stats: LocalProducerStats = { records: 0, batches: 0, bytes: 0 };
  private readonly sticky = new Map<string, number>();
  /** Topics being looked up or auto-created: later writes queue behind the first, keeping call order. */
  private readonly creating = new Map<string, Promise<TopicInfo>>();
  private closed = false;

  constructor(private readonly broker: LocalLog) {
    super();
  }

  write(topic: string, records: AgentRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new IngestError('the local producer is closed (the broker is shutting down)', 503));
    if (records.length === 0) return Promise.resolve();
    const existing = this.broker.logs.getTopic(topic);
    if (existing) {
      try {
        return this.append(existing, records);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    let creating = this.creating.get(topic);
    if (!creating) {
      creating = this.createTopic(topic);
      this.creating.set(topic, creating);
      const forget = () => this.creating.delete(topic);
      creating.then(forget, forget);
    }
    return creating.then((info) => this.append(info, records));
  }

  private async createTopic(topic: string): Promise<TopicInfo> {
    const nameError = validateTopicName(topic);
    if (nameError) throw new IngestError(`invalid topic name '${topic}': ${nameError}`, 400);
    let info: TopicInfo | undefined;
    try {
      info = await this.broker.topicForWrite(topic, true);
    } catch (e) {
      throw new IngestError(`cannot create topic ${topic}: ${(e as Error).message}`, e instanceof StorageError && e.code === 'INVALID_TOPIC_EXCEPTION' ? 400 : 503, { cause: e });
    }
    if (!info) throw new IngestError(`topic ${topic} does not exist and autoCreateTopics is false; create it first (tributary topics create ${topic})`, 404);
    return info;
  }

  /** Builds every batch, then appends them all (synchronously), then awaits durability. */
  private append(topic: TopicInfo, records: AgentRecord[]): Promise<void> {
    const byPartition = new Map<number, AgentRecord[]>();
    let unkeyed: number | undefined;
    for (const r of records) {
      let p: number;
      if (r.key !== null) p = partitionForKey(typeof r.key === 'string' ? Buffer.from(r.key) : r.key, topic.partitions);
      else p = unkeyed ??= this.nextSticky(topic);
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push(r);
    }
    const maxBatch = topic.config['max.message.bytes'] + BATCH_LOG_OVERHEAD;
    const planned: { partition: number; batch: Buffer }[] = [];
    for (const [partition, list] of byPartition) {
      for (const batch of this.buildBatches(topic.name, list, maxBatch)) planned.push({ partition, batch });
    }
    const waits: Promise<void>[] = [];
    for (const { partition, batch } of planned) {
      const res = this.appendBatch(topic, partition, batch);
      if (res.durable) waits.push(res.durable);
    }
    return waits.length === 0 ? Promise.resolve() : Promise.all(waits).then(() => undefined);
  }

  private appendBatch(topic: TopicInfo, partition: number, batch: Buffer): AppendResult {
    const log = this.broker.logs.partition(topic.name, partition);
    if (!log) throw new IngestError(`topic ${topic.name} has no partition ${partition}`, 503);
    const header = readBatchHeader(batch);
    let res: AppendResult;
    try {
      res = log.append(batch, header);
    } catch (e) {
      const err = e as Error;
      throw new IngestError(`write to ${topic.name}-${partition} failed: ${err.message}`, e instanceof StorageError && e.code === 'MESSAGE_TOO_LARGE' ? 413 : 503, { cause: e });
    }
    this.stats.records += header.recordsCount;
    this.stats.batches++;
    this.stats.bytes += batch.length;
    return res;
  }

  /**
   * One record into an existing topic, into `partition` or where write() would put it; resolves with where it was
   * written once it is as durable as the topic's flush policy asks (the API's produce).
   */
  async produce(topicName: string, record: SingleRecord, partition?: number): Promise<{ partition: number; offset: number }> {
    if (this.closed) throw new IngestError('the local producer is closed (the broker is shutting down)', 503);
    const topic = this.broker.logs.getTopic(topicName);
    if (!topic) throw new IngestError(`topic ${topicName} does not exist; create it first`, 404);
    const p = partition ?? (record.key !== null ? partitionForKey(typeof record.key === 'string' ? Buffer.from(record.key) : record.key, topic.partitions) : this.nextSticky(topic));
    if (!Number.isInteger(p) || p < 0 || p >= topic.partitions) {
      throw new IngestError(`topic ${topicName} has no partition ${p} (it has ${topic.partitions}: 0 to ${topic.partitions - 1})`, 404);
    }
    const batch = buildRecordBatch([{ key: record.key, value: record.value, timestamp: record.timestamp, headers: Object.entries(record.headers) }]);
    const max = topic.config['max.message.bytes'];
    if (batch.length > max + BATCH_LOG_OVERHEAD) {
      throw new IngestError(`a record of ${batch.length} bytes exceeds max.message.bytes=${max} of topic ${topicName}; send a smaller record or raise max.message.bytes`, 413);
    }
    const res = this.appendBatch(topic, p, batch);
    if (res.durable) await res.durable;
    return { partition: p, offset: res.baseOffset };
  }

  /**
   * Records as they were, into an existing topic (an import): each to `partition` when given, else by key as write()
   * places it; keys, header lists (repeated names, null values) and timestamps kept. Batches split to fit
   * max.message.bytes; resolves once they are as durable as the topic's flush policy asks.
   */
  async appendRecords(topicName: string, records: ReadonlyArray<RecordInput & { partition?: number }>): Promise<void> {
    if (this.closed) throw new IngestError('the local producer is closed (the broker is shutting down)', 503);
    const topic = this.broker.logs.getTopic(topicName);
    if (!topic) throw new IngestError(`topic ${topicName} does not exist; create it first`, 404);
    const byPartition = new Map<number, RecordInput[]>();
    let unkeyed: number | undefined;
    for (const r of records) {
      const key = r.key ?? null;
      const p = r.partition ?? (key !== null ? partitionForKey(typeof key === 'string' ? Buffer.from(key) : key, topic.partitions) : (unkeyed ??= this.nextSticky(topic)));
      if (p >= topic.partitions) throw new IngestError(`topic ${topicName} has no partition ${p} (it has ${topic.partitions})`, 400);
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push(r.partition === undefined ? r : { key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    }
    const maxBatch = topic.config['max.message.bytes'] + BATCH_LOG_OVERHEAD;
    const waits: Promise<void>[] = [];
    for (const [partition, list] of byPartition) {
      for (const batch of this.fitInputs(topicName, list, maxBatch)) {
        const res = this.appendBatch(topic, partition, batch);
        if (res.durable) waits.push(res.durable);
      }
    }
    await Promise.all(waits);
  }

  private fitInputs(topic: string, records: RecordInput[], maxBatch: number): Buffer[] {
    const batch = buildRecordBatch(records);
    if (batch.length <= maxBatch) return [batch];
    if (records.length === 1) throw new IngestError(`a record of ${batch.length} bytes exceeds max.message.bytes=${maxBatch - BATCH_LOG_OVERHEAD} of topic ${topic}`, 413);
    const mid = records.length >> 1;
    return [...this.fitInputs(topic, records.slice(0, mid), maxBatch), ...this.fitInputs(topic, records.slice(mid), maxBatch)];
  }

  private nextSticky(topic: TopicInfo): number {
    const p = (this.sticky.get(topic.name) ?? -1) + 1;
    const next = p % topic.partitions;
    this.sticky.set(topic.name, next);
    return next;
  }

  /** One batch for the records if it fits max.message.bytes, else consecutive chunks that each fit. */
  private buildBatches(topic: string, records: AgentRecord[], maxBatch: number): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    let size = BATCH_HEADER_SIZE;
    const flush = (end: number) => {
      if (end > start) out.push(...this.buildFitting(topic, records.slice(start, end), maxBatch));
      start = end;
      size = BATCH_HEADER_SIZE;
    };
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      let est = RECORD_OVERHEAD_ESTIMATE + byteLength(r.value) + byteLength(r.key);
      for (const k in r.headers) est += Buffer.byteLength(k) + Buffer.byteLength(r.headers[k]!) + 2;
      if (size + est > maxBatch && i > start) flush(i);
      size += est;
    }
    flush(records.length);
    return out;
  }

  private buildFitting(topic: string, records: AgentRecord[], maxBatch: number): Buffer[] {
    const batch = buildRecordBatch(records.map(toInput));
    if (batch.length <= maxBatch) return [batch];
    if (records.length === 1) {
      throw new IngestError(
        `a record of ${batch.length} bytes exceeds max.message.bytes=${maxBatch - BATCH_LOG_OVERHEAD} of topic ${topic}; send smaller records or raise max.message.bytes`,
        413,
      );
    }
    const mid = records.length >> 1;
    return [...this.buildFitting(topic, records.slice(0, mid), maxBatch), ...this.buildFitting(topic, records.slice(mid), maxBatch)];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
