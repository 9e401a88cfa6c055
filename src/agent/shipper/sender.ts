// The in-memory half of the shipper: records accumulate into one open batch per partition, sealed batches wait in
// order, and each partition has at most one batch in flight — so a retry can never overtake a later batch, and
// order per partition (hence per key) holds even before the idempotent producer's sequence numbers are considered.
// Batches for partitions with the same leader share one Produce request.
import { errorCode } from '../../protocol/errors.js';
import { formatBytes } from '../../common/format.js';
import { type Logger } from '../../common/logger.js';
import type { AgentRecord } from '../../collect/record.js';
import type { BackoffOptions } from '../../client/backoff.js';
import { BatchBuilder, compressBatch, stampProducer, type Compression } from './batch-builder.js';
import { splitBatch } from './batch-split.js';
import { ConnectionError } from '../../client/broker-connection.js';
import type { Cluster, TopicLayout } from '../../client/cluster.js';
import type { Owner } from './owners.js';
import { isCompressed, replayBatch, sealOpen, spooledBatch, type Batch, type PartitionQueue } from './partition-queue.js';
import { PartitionQueues } from './partition-queues.js';
import { Partitioner } from '../../client/partitioner.js';
import { advanceSequence, outcomeOf } from './produce-outcome.js';
import { requestsOf, topicDataOf } from './produce-request.js';
import type { SendJournal, SourceRun } from './send-journal.js';
import type { SpoolPosition } from './spool.js';
import { WakeList } from './wake-list.js';

export type { Batch } from './partition-queue.js';
export type { Owner } from './owners.js';

export interface SenderOptions extends BackoffOptions {
  compression: Compression;
  batchMaxBytes: number;
  batchMaxRecords: number;
  lingerMs: number;
  maxRequestBytes: number;
}

export interface SenderEvents {
  connectionLost(err: ConnectionError): void;
  fatal(err: Error): void;
  /** A batch left memory (acknowledged): the shipper re-checks saturation and wakes the spool reader. */
  memoryFreed(): void;
}

export class Sender {
  producer: { producerId: number; producerEpoch: number } | null = null;
  /** The broker rejected our sequence numbers: a new epoch is needed before sending again. */
  producerStale = false;
  memoryBytes = 0;
  /** Records acknowledged by the broker since start. */
  acknowledgedRecords = 0;
  /** Where batches are recorded before they are sent (see send-journal.ts); null: no exactly-once across restarts. */
  journal: SendJournal | null = null;
  /** The cluster id the producer id belongs to (for the journal). */
  clusterId: () => string | null = () => null;
  /** Batches sent before a crash and rebuilt, not yet acknowledged: nothing else is sent until they are. */
  private replaying = 0;
  private running = false;
  private resetting = false;
  private readonly queues: PartitionQueues;
  private readonly partitioner = new Partitioner();
  private pumpScheduled = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private inflightRequests = 0;
  private readonly idle = new WakeList();
  private metadataRefresh: Promise<void> | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: SenderOptions,
    private readonly logger: Logger,
    private readonly events: SenderEvents,
  ) {
    this.queues = new PartitionQueues(options);
  }

  /** Encodes records into their partitions' open batches; `owner` waits for every batch it ends up in. */
  enqueue(topic: string, layout: TopicLayout, records: readonly AgentRecord[], owner: Owner, fromSpool = false): void {
    const partitions = layout.leaders.length;
    this.partitioner.nextCall();
    for (const record of records) {
      const q = this.queues.get(topic, this.partitioner.partition(record.key, partitions));
      if (q.open !== null && q.openFromSpool !== fromSpool) this.seal(q);
      const open = q.open ?? q.startOpen(this.newBuilder(), fromSpool);
      const before = open.recordBytes;
      if (!open.append(record)) {
        this.seal(q);
        const next = q.startOpen(this.newBuilder(), fromSpool);
        next.append(record);
        this.memoryBytes += next.recordBytes;
      } else this.memoryBytes += open.recordBytes - before;
      q.noteSource(record);
      q.noteOwner(owner);
    }
    this.schedulePump();
  }

  /**
   * An open batch at full size from the start: growing one by doubling leaves ~2 MiB of garbage buffers per 1 MB batch
   * at high rates, which shows in peak RSS; sealing a full-size one hands out a view, no copy.
   */
  private newBuilder(): BatchBuilder {
    return new BatchBuilder(this.options.batchMaxBytes, this.options.batchMaxRecords, this.options.batchMaxBytes);
  }

  /**
   * Queues a whole batch read back from the spool (its frame ends at `spool`); keeps its sequence if it was sent by
   * this same producer.
   */
  enqueueBatch(topic: string, partition: number, batch: Buffer, sent: { producerId: number; producerEpoch: number; baseSequence: number }, owner: Owner, spool: SpoolPosition | null = null): void {
    const q = this.queues.get(topic, partition);
    if (q.open) this.seal(q);
    const p = this.producer;
    const same = p !== null && sent.baseSequence >= 0 && sent.producerId === p.producerId && sent.producerEpoch === p.producerEpoch;
    const b = spooledBatch(topic, partition, batch, owner, same ? sent : null, spool);
    owner.pending++;
    this.memoryBytes += b.bytes;
    if (!same && this.options.compression !== 'none' && !isCompressed(batch)) this.compress(b, batch);
    q.queue.push(b);
    this.schedulePump();
  }

  /**
   * Queues a batch sent before a crash, rebuilt from the same records, with the sequence it was sent with: the broker
   * drops it if it has it. Sent before anything else (a producer reset meanwhile would give it a new sequence).
   */
  enqueueReplay(topic: string, partition: number, records: readonly AgentRecord[], sent: { producerId: number; producerEpoch: number; baseSequence: number }, runs: SourceRun[], owner: Owner): void {
    const q = this.queues.get(topic, partition);
    if (q.open) this.seal(q);
    const builder = new BatchBuilder(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, this.options.batchMaxBytes);
    for (const r of records) builder.append(r);
    const raw = builder.seal();
    const b = replayBatch(topic, partition, builder, raw, sent, runs, owner);
    owner.pending++;
    this.memoryBytes += b.bytes;
    this.replaying++;
    if (this.options.compression !== 'none') this.compress(b, raw);
    q.queue.push(b);
    this.schedulePump();
  }

  /** Continues as the producer of the last run: its id and epoch, and each partition's next sequence. */
  resumeProducer(producer: { producerId: number; producerEpoch: number }, next: ReadonlyMap<string, number>): void {
    this.producer = producer;
    this.producerStale = false;
    for (const [key, sequence] of next) {
      const [topic, partition] = key.split('\u0000') as [string, string];
      this.queues.get(topic, Number(partition)).nextSequence = sequence;
    }
  }

  private seal(q: PartitionQueue): void {
    const b = sealOpen(q, this.options.compression !== 'none');
    if (b.wire === null) this.compress(b, b.raw!);
    q.queue.push(b);
  }

  private compress(b: Batch, raw: Buffer): void {
    b.wire = null;
    b.raw = raw;
    compressBatch(raw, this.options.compression).then(
      (wire) => {
        b.wire = wire;
        b.raw = null;
        this.schedulePump();
      },
      (err: Error) => this.events.fatal(new Error(`gzip compression failed: ${err.message}`)),
    );
  }

  /** Seals every open batch (before switching to direct writes, and on shutdown). */
  sealAll(): void {
    for (const q of this.queues.values()) if (q.open) this.seal(q);
    this.schedulePump();
  }

  start(): void {
    this.running = true;
    this.schedulePump();
  }

  stop(): void {
    this.running = false;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.idle.wake();
  }

  schedulePump(): void {
    if (this.pumpScheduled || !this.running) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  private wakeIn(ms: number): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.schedulePump();
    }, Math.max(1, ms));
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (!this.running || this.resetting || this.producer === null) return;
    const now = Date.now();
    let wake = Infinity;
    const byLeader = new Map<number, Batch[]>();
    for (const q of this.queues.values()) {
      if (q.inflight) continue;
      if (now < q.retryAt) {
        wake = Math.min(wake, q.retryAt - now);
        continue;
      }
      if (q.queue.length === 0 && q.open) {
        const waited = now - q.openSince;
        if (waited < this.options.lingerMs) {
          wake = Math.min(wake, this.options.lingerMs - waited);
          continue;
        }
        this.seal(q);
      }
      const head = q.queue[0];
      if (!head?.wire) continue;
      if (this.replaying > 0 && !head.replay) continue;
      const leader = this.cluster.layout(q.topic)?.leaders[q.partition] ?? -1;
      if (leader < 0) {
        this.refreshMetadata();
        q.retryAt = now + q.backoff.next();
        wake = Math.min(wake, q.retryAt - now);
        continue;
      }
      this.stamp(q, head);
      if (this.journal && !head.journaled) {
        this.journal.sent(head);
        head.journaled = true;
      }
      q.queue.shift();
      q.inflight = head;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(head);
    }
    // The journal holds every batch before its request goes out (a write to the page cache, no fsync).
    if (byLeader.size > 0) this.flushJournal();
    for (const [leader, batches] of byLeader) {
      for (const request of requestsOf(batches, this.options.maxRequestBytes)) void this.send(leader, request);
    }
    if (wake < Infinity) this.wakeIn(wake);
  }

  /** Gives a batch its producer id and sequence the first time it is sent; retries keep them (so the broker can
   * recognise a batch it already has). */
  private stamp(q: PartitionQueue, b: Batch): void {
    const p = this.producer!;
    if (b.baseSequence >= 0 && b.producerId === p.producerId && b.producerEpoch === p.producerEpoch) {
      if (b.replay) stampProducer(b.wire!, b.producerId, b.producerEpoch, b.baseSequence);
      return;
    }
    b.producerId = p.producerId;
    b.producerEpoch = p.producerEpoch;
    b.baseSequence = q.nextSequence;
    b.journaled = false;
    q.nextSequence = advanceSequence(q.nextSequence, b.records);
    stampProducer(b.wire!, b.producerId, b.producerEpoch, b.baseSequence);
  }

  /** Writes the journal's pending records; a failed write is fatal (sending on would break exactly-once silently). */
  flushJournal(): void {
    try {
      this.journal?.flush();
    } catch (err) {
      this.journal = null;
      this.events.fatal(new Error(`cannot write the send journal: ${(err as Error).message} — free space or fix permissions in the data directory, then restart the agent`));
    }
  }

  private async send(leader: number, batches: Batch[]): Promise<void> {
    const topicData = topicDataOf(batches);
    this.inflightRequests++;
    let res;
    try {
      res = await this.cluster.produce(leader, topicData);
    } catch (err) {
      this.inflightRequests--;
      for (const b of batches) {
        const q = this.queues.get(b.topic, b.partition);
        if (q.inflight !== b) continue; // taken away meanwhile (spooled on disconnect)
        q.inflight = null;
        q.queue.unshift(b);
      }
      this.idle.wake();
      if (err instanceof ConnectionError) this.events.connectionLost(err);
      else this.events.fatal(err as Error);
      return;
    }
    this.inflightRequests--;
    const address = this.cluster.addressOf(leader);
    for (const b of batches) {
      const q = this.queues.get(b.topic, b.partition);
      if (q.inflight !== b) continue;
      q.inflight = null;
      const part = res.responses.find((r) => r.name === b.topic)?.partitionResponses.find((p) => p.index === b.partition);
      this.handleResult(q, b, part?.errorCode ?? errorCode('UNKNOWN_SERVER_ERROR'), part?.errorMessage ?? null, address);
    }
    this.idle.wake();
    this.schedulePump();
  }

  private handleResult(q: PartitionQueue, b: Batch, code: number, message: string | null, address: string): void {
    const outcome = outcomeOf(code, message);
    switch (outcome.kind) {
      case 'acknowledged':
        return this.acknowledge(q, b);
      case 'too-large':
        return this.split(q, b, address);
      case 'resequence':
        q.queue.unshift(b);
        return this.resetProducer(`broker ${address} rejected the producer's sequence for ${q.name} (${outcome.detail})`);
      case 'retry':
        q.queue.unshift(b);
        q.retryAt = Date.now() + q.backoff.next();
        if (q.problem !== outcome.type) {
          q.problem = outcome.type;
          this.logger.warn(`broker ${address} did not take records for ${q.name}: ${outcome.detail} — retrying`);
        }
        return this.refreshMetadata();
      case 'fatal':
        q.queue.unshift(b);
        return this.events.fatal(
          new Error(`broker ${address} refused records for ${q.name}: ${outcome.detail}${outcome.explanation ? ` — ${outcome.explanation}` : ''}; the agent cannot continue without losing them`),
        );
    }
  }

  private acknowledge(q: PartitionQueue, b: Batch): void {
    this.memoryBytes -= b.bytes;
    this.acknowledgedRecords += b.records;
    if (b.journaled) this.journal?.acknowledged(b.topic, b.partition, b.baseSequence);
    if (b.replay) {
      b.replay = false;
      this.replaying--;
    }
    q.backoff.reset();
    if (q.problem !== null) {
      this.logger.info(`${q.name} accepts records again`);
      q.problem = null;
    }
    for (const o of b.owners) o.done();
    this.events.memoryFreed();
  }

  /** The broker refused this sequence (it was not written): hand it out again, unless later ones exist. */
  private rollBackSequence(q: PartitionQueue, b: Batch): void {
    const p = this.producer;
    if (b.baseSequence < 0 || !p || b.producerId !== p.producerId || b.producerEpoch !== p.producerEpoch) return;
    if (advanceSequence(b.baseSequence, b.records) === q.nextSequence) q.nextSequence = b.baseSequence;
    else this.resetProducer(`sequence gap after a refused batch on ${q.name}`);
  }

  /** MESSAGE_TOO_LARGE: halve the batch and try again; a single record that is still too large is dropped, loudly. */
  private split(q: PartitionQueue, b: Batch, address: string): void {
    this.rollBackSequence(q, b);
    const { records, halves } = splitBatch(b);
    if (!halves) {
      const key = records[0]?.key ?? '(no key)';
      this.logger.error(
        `DROPPED a record of ${formatBytes(b.wire?.length ?? 0)} for ${q.name} (key ${key}): broker ${address} accepts no record this large — raise max.message.bytes on the topic to keep such records`,
      );
      return this.acknowledge(q, b);
    }
    if (this.options.compression !== 'none') for (const h of halves) this.compress(h, h.wire!);
    for (const o of b.owners) o.pending++; // now in two batches instead of one
    this.memoryBytes += halves[0]!.bytes + halves[1]!.bytes - b.bytes;
    q.queue.unshift(...halves);
    this.logger.warn(`broker ${address} found a batch of ${b.records} records for ${q.name} too large; sending it in two halves`);
  }

  /** A new producer epoch (KIP-360) or id; every batch not yet acknowledged gets a new sequence from 0. */
  private resetProducer(reason: string): void {
    if (this.resetting) return;
    this.resetting = true;
    this.producerStale = true;
    let sent = 0;
    for (const q of this.queues.values()) for (const b of q.inflight ? [q.inflight, ...q.queue] : q.queue) if (b.baseSequence >= 0) sent += b.records;
    this.logger.warn(
      `${reason}; starting a new producer epoch — at-least-once for the ${sent} records sent but not acknowledged: the broker may already have them and write them twice`,
    );
    void (async () => {
      await this.whenNoRequests();
      try {
        await this.initProducer();
      } catch (err) {
        if (err instanceof ConnectionError) this.events.connectionLost(err);
        else this.events.fatal(err as Error);
      } finally {
        this.resetting = false;
        this.schedulePump();
      }
    })();
  }

  /** Gets a producer id (or, when stale, a bumped epoch) and restarts every partition's sequence at 0. */
  async initProducer(): Promise<void> {
    this.producer = await this.cluster.initProducerId(this.producerStale && this.producer ? this.producer : undefined);
    this.producerStale = false;
    for (const q of this.queues.values()) q.nextSequence = 0;
    this.journal?.producerChanged(this.producer, this.clusterId());
    this.flushJournal();
  }

  private refreshMetadata(): void {
    if (this.metadataRefresh) return;
    const topics = this.queues.topics();
    this.metadataRefresh = this.cluster
      .refresh(topics)
      .then(
        () => undefined,
        (err) => {
          if (err instanceof ConnectionError) this.events.connectionLost(err);
        },
      )
      .finally(() => {
        this.metadataRefresh = null;
        this.schedulePump();
      });
  }

  /**
   * Takes every batch not read from the spool out of memory — in flight, waiting or still open — for the shipper to
   * spool when the broker becomes unreachable or the agent stops. Batches from the spool stay, in order, for later.
   */
  takeUnspooled(): Batch[] {
    const out: Batch[] = [];
    for (const q of this.queues.values()) {
      for (const b of this.takeAll(q)) {
        if (b.fromSpool) q.queue.push(b);
        else {
          out.push(b);
          this.memoryBytes -= b.bytes;
          if (b.replay) {
            b.replay = false;
            this.replaying--;
          }
        }
      }
      q.retryAt = 0;
      q.backoff.reset();
    }
    this.idle.wake();
    return out;
  }

  /** Every batch of `q` (open, in flight, waiting), oldest first, taken out of the queue. */
  private takeAll(q: PartitionQueue): Batch[] {
    if (q.open) this.seal(q);
    const all = q.inflight ? [q.inflight, ...q.queue] : [...q.queue];
    q.inflight = null;
    q.queue.length = 0;
    return all;
  }

  /** Records in memory that came from the spool. */
  get retainedRecords(): number {
    return this.queues.retainedRecords;
  }

  /** Every batch in memory, for failing their owners after a fatal error. */
  failAll(err: Error): void {
    for (const q of this.queues.values()) {
      for (const b of this.takeAll(q)) for (const o of b.owners) o.fail(err);
    }
    this.memoryBytes = 0;
    this.replaying = 0;
    this.idle.wake();
  }

  /** True when no batch is in memory (everything acknowledged). */
  get empty(): boolean {
    return this.queues.empty;
  }

  /** Resolves when memory is empty, sending stopped, or the deadline passed — whichever is first. */
  async whenEmpty(deadline: number): Promise<void> {
    while (!this.empty && this.running && Date.now() < deadline) await this.idle.next(Math.min(100, Math.max(1, deadline - Date.now())));
  }

  private async whenNoRequests(): Promise<void> {
    while (this.inflightRequests > 0) await this.idle.next();
  }

  /** Partition leaders for every topic with data in memory: the connections a reconnect should open first. */
  leadersInUse(): number[] {
    return this.queues.leaders(this.cluster);
  }

  topicsInUse(): string[] {
    return this.queues.topics();
  }
}
