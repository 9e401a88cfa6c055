import type { TopicAdmin } from '../../broker/services.js';
import { KafkaClient, type ClientOptions } from '../../client/client.js';
import { OffsetOutOfRangeError } from '../../client/errors.js';
import type { Fetcher, PartitionBatches } from '../../client/fetcher.js';
import type { Logger } from '../../common/logger.js';
import { readBatchHeader } from '../../protocol/record-batch.js';
import type { LogManager } from '../../storage/index.js';
import { followedTopicName, followMatches, type ConnectionConfig } from './connection-config.js';

/*
 * Follow: copies chosen topics of another Kafka cluster into local topics `<connection>.<topic>`, batch by batch as
 * received, each at its source offset (PartitionLog.appendCopied). Where to resume is therefore the local log's end,
 * written with the data itself: a restart or a kill -9 resumes exactly after the last batch that reached the log, with
 * no gap and no record twice, and no separate checkpoint to keep in step. The remote sees one ordinary consumer that
 * fetches and commits its positions to a consumer group (for its own lag view); nothing else.
 */

export interface FollowedPartition {
  partition: number;
  /** Next offset to copy (the local log's end). */
  position: number;
  /** The remote partition's end, as of the last fetch. */
  remoteEnd: number;
  /** Records the remote deleted (its retention) before they could be copied. */
  lost: number;
  /** The local copy is ahead of the remote (the remote topic was recreated or truncated): copying stopped, see error. */
  diverged: string | null;
}

export interface FollowedTopic {
  remote: string;
  local: string;
  partitions: FollowedPartition[];
  recordsCopied: number;
  bytesCopied: number;
  lastCopiedAt: number | null;
}

export interface ConnectionStatus {
  name: string;
  bootstrap: string[];
  follow: string[];
  group: string;
  state: 'connecting' | 'following' | 'unreachable' | 'stopped';
  error: string | null;
  /** Records the remote has that are not yet copied, over every followed partition. */
  lag: number;
  topics: FollowedTopic[];
}

export interface FollowTarget {
  logs: LogManager;
  topics: TopicAdmin;
}

export interface FollowerOptions {
  /** How long a fetch waits at the remote for new records. */
  maxWaitMs?: number;
  /** How often the remote's topic list is read again (new topics matching a prefix, added partitions). */
  refreshMs?: number;
  /** How often copied positions are committed to the remote group. */
  commitMs?: number;
  /** Extra client settings (security, timeouts). */
  client?: Partial<ClientOptions>;
}

interface TopicState extends FollowedTopic {
  fetcher: Fetcher;
  byPartition: Map<number, FollowedPartition>;
  committed: Map<number, number>;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

export class Follower {
  /** The connection's client: the follow's, and the API's for browsing that cluster. */
  readonly client: KafkaClient;
  private readonly topics = new Map<string, TopicState>();
  private state: ConnectionStatus['state'] = 'connecting';
  private error: string | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nextRefresh = 0;
  private nextCommit = 0;
  private readonly maxWaitMs: number;
  private readonly refreshMs: number;
  private readonly commitMs: number;

  constructor(
    readonly config: ConnectionConfig,
    private readonly target: FollowTarget,
    private readonly log: Logger,
    options: FollowerOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? 500;
    this.refreshMs = options.refreshMs ?? 30_000;
    this.commitMs = options.commitMs ?? 5_000;
    this.client = new KafkaClient({ clientId: 'tributary-follow', connectTimeoutMs: 5_000, requestTimeoutMs: 30_000, ...options.client, bootstrap: config.bootstrap, security: config.client });
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.commit(true).catch(() => undefined);
    await this.client.close().catch(() => undefined);
    this.state = 'stopped';
  }

  status(): ConnectionStatus {
    let lag = 0;
    const topics = [...this.topics.values()].map((t) => {
      for (const p of t.partitions) if (!p.diverged) lag += Math.max(0, p.remoteEnd - p.position);
      return { remote: t.remote, local: t.local, partitions: t.partitions.map((p) => ({ ...p })), recordsCopied: t.recordsCopied, bytesCopied: t.bytesCopied, lastCopiedAt: t.lastCopiedAt };
    });
    const c = this.config;
    return { name: c.name, bootstrap: c.bootstrap, follow: c.follow, group: c.group, state: this.state, error: this.error, lag, topics };
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    while (!this.stopped) {
      try {
        if (Date.now() >= this.nextRefresh) {
          await this.refresh();
          this.nextRefresh = Date.now() + this.refreshMs;
        }
        const active = [...this.topics.values()].filter((t) => t.partitions.some((p) => !p.diverged));
        if (active.length === 0) {
          this.state = 'following';
          await this.pause(Math.min(this.refreshMs, 2_000));
          continue;
        }
        await Promise.all(active.map((t) => this.copyRound(t)));
        if (this.state !== 'following') this.log.info(`follow ${this.config.name}: copying ${active.map((t) => t.remote).join(', ')} from ${this.config.bootstrap.join(',')}`);
        this.state = 'following';
        this.error = null;
        backoff = BACKOFF_MIN_MS;
        await this.commit(false).catch((e: Error) => this.log.warn(`follow ${this.config.name}: committing positions to group ${this.config.group} failed: ${e.message}`));
      } catch (e) {
        if (this.stopped) break;
        const msg = (e as Error).message;
        if (this.state !== 'unreachable' || this.error !== msg) this.log.warn(`follow ${this.config.name}: ${msg}; retrying in ${backoff} ms`);
        this.state = 'unreachable';
        this.error = msg;
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        // After an outage the remote may have new topics or partitions.
        this.nextRefresh = 0;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** Reads the remote's topics, creates or grows the local copies, and sets where each new partition starts. */
  private async refresh(): Promise<void> {
    const names = (await this.client.admin.listTopics()).filter((t) => !t.startsWith('__') && followMatches(this.config.follow, t));
    if (names.length === 0) return;
    const described = await this.client.admin.describeTopics(names);
    for (const d of described) {
      const remoteCount = d.partitions.length;
      const local = followedTopicName(this.config.name, d.name);
      let info = this.target.logs.getTopic(local);
      if (!info) {
        info = this.target.topics.createTopic(local, remoteCount, {}, false);
        this.log.info(`follow ${this.config.name}: created ${local} (${remoteCount} partitions) for ${d.name}`);
      } else if (info.partitions < remoteCount) {
        info = this.target.topics.createPartitions(local, remoteCount);
        this.log.info(`follow ${this.config.name}: ${local} grown to ${remoteCount} partitions as ${d.name} was`);
      }
      let t = this.topics.get(d.name);
      if (!t) {
        t = { remote: d.name, local, partitions: [], byPartition: new Map(), committed: new Map(), recordsCopied: 0, bytesCopied: 0, lastCopiedAt: null, fetcher: this.client.fetcher(d.name) };
        this.topics.set(d.name, t);
      }
      const fresh: number[] = [];
      for (let p = 0; p < remoteCount; p++) if (!t.byPartition.has(p)) fresh.push(p);
      if (fresh.length === 0) continue;
      // A partition copied before resumes at its log's end; one never copied starts at the remote's earliest or latest.
      const startSpec = this.config.start === 'latest' ? 'latest' : 'earliest';
      const remoteStart = await this.client.offsets.list(d.name, startSpec, fresh);
      for (const p of fresh) {
        const plog = this.target.logs.partition(local, p)!;
        const empty = plog.logEndOffset === 0 && plog.size === 0;
        const fp: FollowedPartition = { partition: p, position: empty ? (remoteStart.get(p) ?? 0) : plog.logEndOffset, remoteEnd: 0, lost: 0, diverged: null };
        t.byPartition.set(p, fp);
        t.partitions.push(fp);
      }
      t.partitions.sort((a, b) => a.partition - b.partition);
    }
  }

  /** One fetch of a topic's partitions, its batches appended to the local copy as they came. */
  private async copyRound(t: TopicState): Promise<void> {
    const positions = new Map<number, number>();
    for (const p of t.partitions) if (!p.diverged) positions.set(p.partition, p.position);
    let fetched: PartitionBatches[];
    try {
      fetched = await t.fetcher.fetchBatches(positions, this.maxWaitMs);
    } catch (e) {
      if (e instanceof OffsetOutOfRangeError) return this.outOfRange(t, e.subject.partition!);
      throw e;
    }
    for (const f of fetched) {
      const fp = t.byPartition.get(f.partition)!;
      fp.remoteEnd = f.highWatermark;
      const plog = this.target.logs.partition(t.local, f.partition);
      if (!plog) throw new Error(`the local copy ${t.local} has no partition ${f.partition} (was it deleted?)`);
      let waits: Promise<void>[] | null = null;
      for (const b of f.batches) {
        if (b.lastOffset < plog.logEndOffset) continue; // already here (a fetch may start inside a batch we hold)
        const res = plog.appendCopied(b.bytes, readBatchHeader(b.bytes));
        if (res.durable) (waits ??= []).push(res.durable);
        t.recordsCopied += b.recordsCount;
        t.bytesCopied += b.bytes.length;
        t.lastCopiedAt = Date.now();
      }
      if (plog.logEndOffset > fp.position) fp.position = plog.logEndOffset;
      if (waits) await Promise.all(waits);
    }
  }

  /** The remote no longer has our position: its retention passed us (skip ahead, counted), or it was recreated. */
  private async outOfRange(t: TopicState, partition: number): Promise<void> {
    const range = (await this.client.offsets.ranges(t.remote)).get(partition);
    const fp = t.byPartition.get(partition)!;
    if (!range) throw new Error(`remote topic ${t.remote} has no partition ${partition} any more`);
    if (fp.position < range.low) {
      const lost = range.low - fp.position;
      fp.lost += lost;
      this.log.warn(`follow ${this.config.name}: ${t.remote}-${partition}: the remote deleted offsets ${fp.position}-${range.low - 1} (its retention) before they were copied; continuing at ${range.low}`);
      fp.position = range.low;
    } else {
      fp.diverged = `the local copy ends at ${fp.position} but the remote partition ends at ${range.high}: the remote topic was recreated or truncated; copying of this partition stopped (delete ${t.local} to copy it afresh)`;
      this.log.error(`follow ${this.config.name}: ${t.remote}-${partition}: ${fp.diverged}`);
    }
  }

  /** Commits copied positions to the remote group, so the remote's tools show this copy's lag. */
  private async commit(force: boolean): Promise<void> {
    if (!force && Date.now() < this.nextCommit) return;
    this.nextCommit = Date.now() + this.commitMs;
    for (const t of this.topics.values()) {
      const changed = new Map<number, number>();
      for (const p of t.partitions) if (t.committed.get(p.partition) !== p.position) changed.set(p.partition, p.position);
      if (changed.size === 0) continue;
      await this.client.groups.commitOffsets(this.config.group, t.remote, changed);
      for (const [p, o] of changed) t.committed.set(p, o);
    }
  }
}
