// The RecordSink that ships to Kafka — `tributary serve` or a real cluster. Three modes:
//   direct    connected, nothing buffered: records go to memory, write() resolves when the broker acknowledges them
//   offline   broker unreachable: write() resolves once the records are fsynced in the spool; reconnect with backoff
//   draining  connected again: the spool is sent in order; new writes are appended behind it, until it is empty
// Delivery is exactly-once per batch across a crash where the broker keeps producer state, at-least-once otherwise
// (see send-journal.ts, and README, "Agent delivery guarantee").
//
// Why not kafkajs: measured on the project's 2-CPU reference machine, kafkajs 2.2.4 produced 46-51k records/s
// (100-byte lines with three headers, idempotent or not) at 136 MB RSS, because it builds and encodes an object per
// message; the target is 200k lines/s under 150 MB. The hot path here (batch-builder.ts) encodes records straight
// into a v2 record batch and sends it with the project's own codec (Produce/Metadata/InitProducerId schemas), with
// one connection per partition leader from Metadata, so it still works against a multi-broker Kafka cluster.
import { EventEmitter } from 'node:events';
import { formatBytes, formatCount, formatDuration } from '../../common/format.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { AgentRecord, RecordSink, SourcedRecord } from '../../collect/record.js';
import { Backoff, sleep } from '../../client/backoff.js';
import { recordsOfBatch } from './batch-builder.js';
import { ConnectionError } from '../../client/broker-connection.js';
import { Cluster, TopicError, type TopicLayout } from '../../client/cluster.js';
import { Partitioner } from '../../client/partitioner.js';
import { DrainOwner, WriteOwner } from './owners.js';
import { Sender, type Batch } from './sender.js';
import { SendJournal, spoolKey, type JournalPlan } from './send-journal.js';
import { Spool, type SpoolEntry } from './spool.js';
import { framesOfBatches, framesOfRecords } from './spool-frames.js';
import { WakeList } from './wake-list.js';
import { SHIPPER_DEFAULTS, type Replay, type ShipperOptions } from './shipper-options.js';

export { SHIPPER_DEFAULTS, type Replay, type ShipperJournal, type ShipperOptions } from './shipper-options.js';

type Mode = 'offline' | 'draining' | 'direct' | 'closed';

export interface ShipperStats {
  mode: Mode;
  memoryBytes: number;
  spoolBytes: number;
  spoolRecords: number;
  acknowledgedRecords: number;
}

export class Shipper extends EventEmitter implements RecordSink {
  private mode: Mode = 'offline';
  private readonly options: typeof SHIPPER_DEFAULTS & ShipperOptions;
  private readonly logger: Logger;
  private readonly cluster: Cluster;
  private readonly sender: Sender;
  private readonly partitioner = new Partitioner();
  private readonly learning = new Map<string, Promise<void>>();
  private readonly drained: DrainOwner[] = [];
  private readonly stop = new AbortController();
  private offlineSince = 0;
  private offlineAddress = '';
  private wasSaturated = false;
  private spoolWasFull = false;
  private fatal: Error | null = null;
  private drainRunning = false;
  private probing = false;
  private unsentEntry: SpoolEntry | null = null;
  private readonly memoryWaiters = new WakeList();
  private closing: Promise<void> | null = null;
  private readonly journal: SendJournal | null = null;
  /** The producer of the last run, until the first connection shows whether this is still its cluster. */
  private resumedFrom: JournalPlan['producer'] | null = null;
  /** Spool frames the last run sent: acknowledged ones are skipped, the one in flight keeps its sequence. */
  private spoolResume: { acked: Set<string>; inFlight: Map<string, number>; producer: JournalPlan['producer'] } | null = null;
  /** One per Replay given at open, in order: resolves once the broker has it (or it is in the disk buffer). */
  readonly replayed: Array<Promise<void>> = [];

  private constructor(
    options: ShipperOptions,
    private readonly spool: Spool,
  ) {
    super();
    this.options = { ...SHIPPER_DEFAULTS, ...options };
    this.logger = options.logger ?? silentLogger;
    const o = this.options;
    this.cluster = new Cluster(o.bootstrap, {
      clientId: o.clientId,
      connectTimeoutMs: o.connectTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      produceTimeoutMs: o.requestTimeoutMs,
      security: o.security,
    });
    this.sender = new Sender(
      this.cluster,
      {
        compression: o.compression,
        batchMaxBytes: o.batchMaxBytes,
        batchMaxRecords: o.batchMaxRecords,
        lingerMs: o.lingerMs,
        maxRequestBytes: Math.max(8 * 1024 * 1024, o.batchMaxBytes),
        initialMs: o.retryBackoffMs,
        maxMs: o.retryMaxBackoffMs,
      },
      this.logger,
      {
        connectionLost: (err) => this.goOffline(err),
        fatal: (err) => this.failFatally(err),
        memoryFreed: () => this.memoryFreed(),
      },
    );
    this.cluster.onUnexpectedClose = () => void this.probe();
    if (o.journal) {
      const resume = o.journal.resume;
      this.journal = new SendJournal(o.journal.file, o.journal.identify, resume?.plan ?? null);
      this.sender.journal = this.journal;
      this.sender.clusterId = () => this.cluster.clusterId;
      if (resume) this.resume(resume.plan, resume.replays);
    }
  }

  /** Continues as the last run's producer: same id, epoch and sequences; its batches in flight are sent first, again. */
  private resume(plan: JournalPlan, replays: Replay[]): void {
    this.resumedFrom = plan.producer;
    this.sender.resumeProducer(plan.producer, plan.next);
    const spoolInFlight = new Map<string, number>();
    for (const b of plan.inFlight) if (b.spool) spoolInFlight.set(spoolKey(b.spool), b.baseSequence);
    this.spoolResume = { acked: plan.spoolAcked, inFlight: spoolInFlight, producer: plan.producer };
    for (const { batch: b, records } of replays) {
      const owner = new WriteOwner();
      this.sender.enqueueReplay(b.topic, b.partition, records, { ...plan.producer, baseSequence: b.baseSequence }, b.runs ?? [], owner);
      this.replayed.push(owner.promise);
    }
  }

  /** Opens the spool and makes the first connection attempt; if the broker is down, starts buffering on disk. */
  static async open(options: ShipperOptions): Promise<Shipper> {
    const logger = options.logger ?? silentLogger;
    const spool = await Spool.open(options.spoolDir, { segmentBytes: options.spoolSegmentBytes ?? SHIPPER_DEFAULTS.spoolSegmentBytes, logger });
    const shipper = new Shipper(options, spool);
    try {
      await shipper.connect();
      shipper.goOnline(null);
    } catch (err) {
      if (!(err instanceof ConnectionError)) {
        await spool.close();
        throw err;
      }
      shipper.offlineSince = Date.now();
      shipper.offlineAddress = err.address;
      logger.warn(`cannot reach broker ${err.address}: ${err.reason} — buffering on disk`);
      void shipper.reconnect();
    }
    shipper.checkSaturation();
    return shipper;
  }

  get saturated(): boolean {
    if (this.spool.bytes >= this.options.maxBufferBytes) return true;
    return this.mode === 'direct' && this.sender.memoryBytes >= this.options.maxMemoryBytes;
  }

  stats(): ShipperStats {
    return {
      mode: this.mode,
      memoryBytes: this.sender.memoryBytes,
      spoolBytes: this.spool.bytes,
      spoolRecords: this.spool.records,
      acknowledgedRecords: this.sender.acknowledgedRecords,
    };
  }

  write(topic: string, records: AgentRecord[]): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.mode === 'closed') return Promise.reject(new Error('the shipper is closed'));
    if (records.length === 0) return Promise.resolve();
    if (this.mode === 'direct') {
      const layout = this.cluster.layout(topic);
      if (layout === undefined || this.learning.has(topic)) return this.writeAfterLearning(topic, records);
      const owner = new WriteOwner();
      this.sender.enqueue(topic, layout, records, owner);
      this.checkSaturation();
      return owner.promise;
    }
    return this.spoolRecords(topic, records);
  }

  /** First write to a topic: fetch its partitions (auto-creating it) before routing. Later writes to the same topic
   * wait behind this one, so order is kept. */
  private async writeAfterLearning(topic: string, records: AgentRecord[]): Promise<void> {
    let learning = this.learning.get(topic);
    if (!learning) {
      learning = this.learnTopic(topic).finally(() => this.learning.delete(topic));
      this.learning.set(topic, learning);
    }
    await learning;
    return this.write(topic, records);
  }

  /** Refreshes metadata until `topic` has leaders; gives up (leaving the write to the spool) if we go offline. */
  private async learnTopic(topic: string): Promise<void> {
    const backoff = new Backoff({ initialMs: this.options.retryBackoffMs, maxMs: this.options.retryMaxBackoffMs });
    for (let attempt = 1; this.mode === 'direct' || this.mode === 'draining'; attempt++) {
      let problem: TopicError | undefined;
      try {
        problem = (await this.cluster.refresh([...new Set([...this.sender.topicsInUse(), topic])])).get(topic);
      } catch (err) {
        if (err instanceof ConnectionError) return this.goOffline(err);
        throw err;
      }
      if (!problem) {
        if (attempt > 3) this.logger.info(`topic "${topic}" is available`);
        return;
      }
      if (!problem.retriable) throw problem;
      if (attempt === 3) this.logger.warn(`${problem.message} — waiting for it`);
      await sleep(backoff.next(), this.stop.signal);
    }
  }

  /** Offline or draining: records go behind everything already in the spool; resolves once they are fsynced. */
  private async spoolRecords(topic: string, records: AgentRecord[]): Promise<void> {
    const frames = framesOfRecords(topic, records, this.cluster.layout(topic)?.leaders.length ?? 0, this.partitioner, this.options);
    const appended = this.spool.append(frames);
    this.checkSaturation();
    try {
      await appended;
    } catch (err) {
      this.failFatally(err as Error);
      throw err;
    }
    if (this.journal) {
      // Safe in the disk buffer: after a crash the files are read on past them even if the checkpoint lags.
      const ends = new Map<string, number>();
      for (const r of records) {
        const pos = (r as SourcedRecord).position;
        if (pos !== undefined) ends.set(pos.fileId, pos.offset);
      }
      for (const [fileId, offset] of ends) this.journal.stored(fileId, offset);
      this.sender.flushJournal();
    }
    this.checkSaturation();
  }

  /** Spools batches taken out of memory (disconnect, shutdown), keeping the sequence they were sent with. */
  private spoolBatches(batches: Batch[]): Promise<void> {
    if (batches.length === 0) return Promise.resolve();
    return this.spool.append(framesOfBatches(batches)).then(
      () => {
        // In the disk buffer with their sequence: the journal need not rebuild them after a crash.
        for (const b of batches) if (b.journaled) this.journal?.acknowledged(b.topic, b.partition, b.baseSequence);
        this.sender.flushJournal();
        for (const b of batches) for (const o of b.owners) o.done();
        this.checkSaturation();
      },
      (err: Error) => this.failFatally(err),
    );
  }

  private async connect(): Promise<void> {
    const problems = await this.cluster.refresh(this.sender.topicsInUse());
    for (const p of problems.values()) if (!p.retriable) throw p;
    const last = this.resumedFrom;
    if (last) {
      this.resumedFrom = null;
      const now = this.cluster.clusterId;
      if (last.clusterId !== null && now !== null && last.clusterId !== now) {
        this.logger.warn(
          `the broker belongs to cluster ${now}, not ${last.clusterId} where this agent's producer id ${last.producerId} came from; starting a new producer — the batches it was sending when it stopped are sent again and may be written twice`,
        );
        this.sender.producer = null;
        this.spoolResume = null;
      } else if (this.replayed.length > 0) {
        this.logger.info(`continuing as producer ${last.producerId} (epoch ${last.producerEpoch}): sending the ${this.replayed.length} batch(es) in flight at the last stop again with the same sequence numbers; the broker drops those it already has`);
      }
    }
    if (this.sender.producer === null || this.sender.producerStale) await this.sender.initProducer();
    for (const leader of this.sender.leadersInUse()) await this.cluster.leader(leader);
  }

  private goOnline(since: number | null): void {
    const buffered = this.spool.records;
    if (since === null) {
      this.logger.info(`connected to broker ${this.options.bootstrap.join(',')}${buffered > 0 ? `; sending ${formatCount(buffered)} buffered records` : ''}`);
    } else {
      this.logger.info(`reconnected to broker ${this.offlineAddress} after ${formatDuration(Date.now() - since)}; sending ${formatCount(buffered)} buffered records`);
    }
    this.mode = this.spool.isEmpty ? 'direct' : 'draining';
    this.sender.start();
    if (this.mode === 'draining') this.drain();
    this.checkSaturation();
  }

  private goOffline(err: ConnectionError): void {
    if (this.mode === 'offline' || this.mode === 'closed') return;
    this.mode = 'offline';
    this.offlineSince = Date.now();
    this.offlineAddress = err.address;
    // After bootstrap, leaders are reached at the address the cluster advertises: say so when that is what fails.
    const advertised = this.options.bootstrap.includes(err.address) ? '' : ' (an address the cluster advertises, not one of --bootstrap)';
    this.logger.warn(`disconnected from broker ${err.address}${advertised}: ${err.reason} — buffering on disk`);
    this.sender.stop();
    void this.spoolBatches(this.sender.takeUnspooled());
    void this.cluster.closeAll(err.reason);
    this.memoryWaiters.wake();
    void this.reconnect();
  }

  /**
   * A connection closed while idle: find out now whether the cluster is still reachable (then nothing happens, the
   * next send reconnects) or not (then go offline at once rather than on the next write).
   */
  private async probe(): Promise<void> {
    if (this.probing || (this.mode !== 'direct' && this.mode !== 'draining')) return;
    this.probing = true;
    try {
      await this.cluster.refresh(this.sender.topicsInUse());
      for (const leader of this.sender.leadersInUse()) await this.cluster.leader(leader);
    } catch (err) {
      if (err instanceof ConnectionError) this.goOffline(err);
    } finally {
      this.probing = false;
    }
  }

  /** Retries forever (exponential backoff, capped) until the broker answers or the shipper closes. */
  private async reconnect(): Promise<void> {
    const backoff = new Backoff({ initialMs: this.options.retryBackoffMs, maxMs: this.options.retryMaxBackoffMs });
    while (this.mode === 'offline' && !this.stop.signal.aborted) {
      await sleep(backoff.next(), this.stop.signal);
      if (this.mode !== 'offline' || this.stop.signal.aborted) return;
      try {
        await this.connect();
      } catch (err) {
        if (err instanceof ConnectionError) continue;
        return this.failFatally(err as Error);
      }
      if (this.mode !== 'offline') return;
      return this.goOnline(this.offlineSince);
    }
  }

  /** One drain loop at a time; if the shipper is draining again by the time a loop ends, another starts. */
  private drain(): void {
    if (this.drainRunning) return;
    this.drainRunning = true;
    void this.drainLoop().finally(() => {
      this.drainRunning = false;
      if (this.mode === 'draining' && !this.stop.signal.aborted && !this.fatal) this.drain();
    });
  }

  /** Sends the spool in order while connected; switches to direct writes once it has caught up. */
  private async drainLoop(): Promise<void> {
    try {
      while (this.mode === 'draining' && !this.stop.signal.aborted) {
        if (this.sender.memoryBytes >= this.options.maxMemoryBytes) {
          await this.memoryWaiters.next();
          continue;
        }
        const entry = this.unsentEntry ?? (await this.spool.read());
        this.unsentEntry = null;
        if (entry === null) {
          if (this.spool.caughtUp && this.mode === 'draining') {
            this.sender.sealAll();
            this.mode = 'direct';
            this.checkSaturation();
            break;
          }
          await this.spool.whenWritten();
          continue;
        }
        if (!(await this.enqueueEntry(entry))) this.unsentEntry = entry;
      }
    } catch (err) {
      this.failFatally(err as Error);
    }
  }

  /** Hands one spooled frame to the sender; false if its topic's partitions could not be learned (offline). */
  private async enqueueEntry(entry: SpoolEntry): Promise<boolean> {
    const f = entry.frame;
    let layout: TopicLayout | undefined = this.cluster.layout(f.topic);
    if (layout === undefined) {
      await this.learnTopic(f.topic);
      layout = this.cluster.layout(f.topic);
      if (layout === undefined || this.mode !== 'draining') return false;
    }
    const owner = new DrainOwner(entry.end, entry.records, entry.bytes, () => this.advanceCursor(), (err) => this.failFatally(err));
    this.drained.push(owner);
    const key = spoolKey(entry.end);
    if (this.spoolResume?.acked.has(key)) {
      // Acknowledged before the last stop (the cursor had not been written yet): not sent again.
      owner.pending++;
      owner.done();
      return true;
    }
    const inFlight = this.spoolResume?.inFlight.get(key);
    if (f.partition >= 0 && f.partition < layout.leaders.length) {
      const sent = inFlight === undefined ? f : { ...this.spoolResume!.producer, baseSequence: inFlight };
      this.sender.enqueueBatch(f.topic, f.partition, f.batch, sent, owner, entry.end);
    } else {
      const records = recordsOfBatch(f.batch);
      this.sender.enqueue(f.topic, layout, records, owner, true);
      this.sender.sealAll();
    }
    return true;
  }

  /** Frames are acknowledged in any order across partitions; the cursor passes only a fully acknowledged prefix. */
  private advanceCursor(): void {
    while (this.drained[0]?.complete) {
      const o = this.drained.shift()!;
      this.spool.acknowledge(o.end, o.records, o.bytes);
    }
    this.checkSaturation();
  }

  private memoryFreed(): void {
    if (this.sender.memoryBytes < this.options.maxMemoryBytes) this.memoryWaiters.wake();
    this.checkSaturation();
  }

  /** Emits 'drain' when saturation ends; logs when the disk buffer fills and empties (memory pressure comes and goes
   * with every batch under load, so it is not logged). */
  private checkSaturation(): void {
    const spoolFull = this.spool.bytes >= this.options.maxBufferBytes;
    if (spoolFull !== this.spoolWasFull) {
      this.spoolWasFull = spoolFull;
      if (spoolFull) {
        this.logger.warn(`disk buffer full (${formatBytes(this.spool.bytes)} of ${formatBytes(this.options.maxBufferBytes)}) — sources paused until the broker takes records again`);
      } else this.logger.info('disk buffer has room again — sources resumed');
    }
    const now = this.saturated;
    if (now === this.wasSaturated) return;
    this.wasSaturated = now;
    if (!now) this.emit('drain');
  }

  private failFatally(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    this.logger.error(`cannot ship records: ${err.message}`);
    this.sender.stop();
    this.sender.failAll(err);
    this.memoryWaiters.wake();
    this.emit('fatal', err);
  }

  /**
   * Stops: waits (up to shutdownTimeoutMs) for batches in flight to be acknowledged, spools whatever is left,
   * closes the connections and the spool. Sources should be stopped first.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const deadline = Date.now() + this.options.shutdownTimeoutMs;
      if (this.mode === 'direct' || this.mode === 'draining') {
        if (this.mode === 'draining') this.mode = 'direct'; // stop reading the spool; what it holds stays there
        this.sender.sealAll();
        await this.sender.whenEmpty(deadline);
      }
      this.mode = 'closed';
      this.stop.abort();
      this.sender.stop();
      const left = this.sender.takeUnspooled();
      if (!this.fatal && left.length > 0) {
        const n = left.reduce((s, b) => s + b.records, 0);
        this.logger.info(`stopping: ${formatCount(n)} records not yet acknowledged go to the disk buffer`);
        await this.spoolBatches(left);
      }
      await this.cluster.closeAll('the agent is stopping', true);
      await this.spool.close();
      if (!this.fatal) {
        try {
          this.journal?.close();
        } catch (err) {
          this.logger.warn(`cannot close the send journal: ${(err as Error).message} — after a restart, batches in flight now may be written twice`);
        }
      }
      this.memoryWaiters.wake();
      const buffered = this.spool.records;
      if (buffered > 0) this.logger.info(`stopped with ${formatCount(buffered)} records in the disk buffer; they are sent on the next start`);
    })();
    return this.closing;
  }
}
