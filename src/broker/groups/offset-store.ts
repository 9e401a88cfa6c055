import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { fsyncDirSync, writeFullySync } from '../../common/atomic-file.js';
import type { Logger } from '../../common/logger.js';
import { GroupCommit } from '../../common/group-commit.js';

/** One committed offset, as OffsetCommit stores it and OffsetFetch returns it. */
export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
  /**
   * Id (base64url) of the topic the offset was committed for; absent in entries written before ids were recorded. A
   * topic deleted and created again under the same name has a new id, so the old offsets do not apply to it.
   */
  topicId?: string;
}

type Entry =
  | { g: string; t: string; p: number; o: number; e: number; m: string | null; ts: number; i?: string }
  | { g: string; t: string; p: number; del: 1 };

/**
 * The store cannot take commits: either for now (a write failed, e.g. the disk is full; nothing was recorded) or, when
 * `fatal`, until a restart (an fsync failed, so the OS may have dropped what it had: never retry such an fsync).
 */
export class OffsetStoreUnavailable extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OffsetStoreUnavailable';
  }
}

const FILE = 'consumer-offsets.log';
const FRAME_HEADER = 8; // length uint32 + crc32c uint32
/** Rewrite the journal as a snapshot once it holds this many times more entries than live offsets. */
const COMPACT_RATIO = 4;
const COMPACT_MIN_ENTRIES = 10_000;

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Committed offsets, durable across crashes: an append-only journal of CRC-framed entries
 * (a torn tail is cut off on load), fsynced before a commit is acknowledged (concurrent
 * commits share one fsync), compacted by writing a snapshot and renaming it over the journal.
 *
 * Readers see an offset only once it is durable: `written` is the journal as written,
 * `durable` what has been fsynced, and only the latter is served. A failed write is cut back
 * off the journal and only fails that commit; a failed fsync makes the store refuse every
 * later commit until a restart (PostgreSQL's lesson: after a failed fsync the kernel may have
 * dropped the dirty pages and reports success on a retry).
 */
export class OffsetStore {
  private readonly durable = new Map<string, Map<string, CommittedOffset>>();
  private readonly written = new Map<string, Map<string, CommittedOffset>>();
  private fd: number;
  private size: number;
  private entries = 0;
  /** Entries written but not yet durable (applied to `durable` when their fsync completes). */
  private unapplied = 0;
  private readonly syncs = new GroupCommit(() => this.fsync());
  private failure: OffsetStoreUnavailable | null = null;
  private closed = false;

  private constructor(private readonly file: string, private readonly log: Logger) {
    this.fd = -1;
    this.size = 0;
  }

  static open(dir: string, log: Logger): OffsetStore {
    fs.mkdirSync(dir, { recursive: true });
    const store = new OffsetStore(path.join(dir, FILE), log);
    store.load();
    return store;
  }

  private load(): void {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.file);
    } catch {
      data = Buffer.alloc(0);
    }
    let pos = 0;
    while (pos + FRAME_HEADER <= data.length) {
      const len = data.readUInt32BE(pos);
      const crc = data.readUInt32BE(pos + 4);
      const end = pos + FRAME_HEADER + len;
      if (end > data.length || crc32c(data.subarray(pos + FRAME_HEADER, end)) >>> 0 !== crc) break;
      let entry: Entry;
      try {
        entry = JSON.parse(data.toString('utf8', pos + FRAME_HEADER, end));
      } catch {
        break;
      }
      applyTo(this.written, entry);
      applyTo(this.durable, entry);
      this.entries++;
      pos = end;
    }
    this.fd = fs.openSync(this.file, 'a+');
    if (pos < data.length) {
      this.log.warn(`committed offsets: cut ${data.length - pos} bytes of a torn or corrupt tail from ${this.file}`);
      fs.ftruncateSync(this.fd, pos);
      fs.fsyncSync(this.fd);
    }
    this.size = pos;
  }

  /** True once an fsync failed: no commit is taken until a restart. */
  get failed(): boolean {
    return this.failure?.fatal === true;
  }

  /**
   * Write entries to the journal (not yet durable). A failed write is cut back off the end
   * so the journal stays a sequence of whole entries; if even that fails the store is done.
   */
  private write(entries: Entry[]): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new OffsetStoreUnavailable('the offset store is closed (the broker is shutting down)', false);
    const buf = encodeEntries(entries);
    try {
      writeFullySync(this.fd, buf);
    } catch (err) {
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch (cutErr) {
        throw this.fail(`cutting a failed write (${(err as Error).message}) back off`, cutErr);
      }
      const code = (err as NodeJS.ErrnoException).code;
      throw new OffsetStoreUnavailable(
        `could not record committed offsets in ${this.file}: ${(err as Error).message}${code === 'ENOSPC' ? '; the disk is full: free space, and commits resume by themselves' : ''}`,
        false,
        { cause: err },
      );
    }
    this.size += buf.length;
    this.entries += entries.length;
    this.unapplied += entries.length;
    for (const e of entries) applyTo(this.written, e);
  }

  /** Write, fsync, then make the entries visible to readers. */
  private record(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    try {
      this.write(entries);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.sync().then(() => {
      for (const e of entries) applyTo(this.durable, e);
      this.unapplied -= entries.length;
    });
  }

  /** Record commits; resolves once they are on disk (and only then are they visible to get/list). */
  commit(group: string, commits: { topic: string; partition: number; offset: CommittedOffset }[]): Promise<void> {
    return this.record(commits.map((c) => commitEntry(group, c.topic, c.partition, c.offset)));
  }

  /**
   * Whether the group has committed offsets, durable or on their way to disk (a map lookup, for the coordinator's
   * check that an Empty group has nothing left and can be forgotten).
   */
  hasGroup(group: string): boolean {
    return this.written.has(group);
  }

  delete(group: string, partitions: { topic: string; partition: number }[]): Promise<void> {
    const g = this.written.get(group);
    const present = partitions.filter((p) => g?.has(keyOf(p.topic, p.partition)));
    return this.record(present.map((p) => ({ g: group, t: p.topic, p: p.partition, del: 1 as const })));
  }

  deleteGroup(group: string): Promise<void> {
    return this.delete(group, listOf(this.written, group));
  }

  /**
   * Drop every group's offsets for a deleted topic, except those of the topic `keepTopicId`
   * (the same name created again meanwhile; undefined when the name is free). Call it through
   * GroupOffsets.forgetTopic, which knows the current id.
   */
  forgetTopic(topic: string, keepTopicId: string | undefined): Promise<void> {
    const waits = [...this.written.keys()].map((g) =>
      this.delete(
        g,
        listOf(this.written, g).filter((o) => o.topic === topic && (keepTopicId === undefined || o.offset.topicId !== keepTopicId)),
      ),
    );
    return Promise.all(waits).then(() => undefined);
  }

  /**
   * At start, before any request: replace (or, with null, remove) stored offsets, durably and
   * synchronously. Throws OffsetStoreUnavailable if they cannot be recorded.
   */
  rewriteSync(changes: { group: string; topic: string; partition: number; offset: CommittedOffset | null }[]): void {
    if (changes.length === 0) return;
    const entries: Entry[] = changes.map((c) => (c.offset ? commitEntry(c.group, c.topic, c.partition, c.offset) : { g: c.group, t: c.topic, p: c.partition, del: 1 }));
    this.write(entries);
    try {
      fs.fsyncSync(this.fd);
    } catch (err) {
      throw this.fail('fsync', err);
    }
    for (const e of entries) applyTo(this.durable, e);
    this.unapplied -= entries.length;
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.durable.get(group)?.get(keyOf(topic, partition));
  }

  list(group: string): { topic: string; partition: number; offset: CommittedOffset }[] {
    return listOf(this.durable, group);
  }

  groups(): string[] {
    return [...this.durable.keys()];
  }

  /** One fsync for every commit appended before it starts; later commits wait for the next one. */
  private sync(): Promise<void> {
    return this.syncs.request();
  }

  private fsync(): Promise<void> {
    if (this.failure?.fatal) return Promise.reject(this.failure);
    return new Promise((resolve, reject) =>
      fs.fsync(this.fd, (err) => {
        if (!err) return resolve();
        if (this.closed) return reject(new OffsetStoreUnavailable('the offset store was closed before its fsync completed', false, { cause: err }));
        reject(this.fail('fsync', err));
      }),
    );
  }

  /** The first fatal error is logged once; every later commit fails fast with it. */
  private fail(what: string, err: unknown): OffsetStoreUnavailable {
    if (!this.failure?.fatal) {
      this.failure = new OffsetStoreUnavailable(
        `${what} of ${this.file} failed (${(err as Error).message}): committed offsets can no longer be made durable, so commits are refused until Tributary is restarted; check the disk (offsets committed before stay readable)`,
        true,
        { cause: err },
      );
      this.log.error(`committed offsets: ${this.failure.message}`);
    }
    return this.failure;
  }

  /** Rewrite the journal as a snapshot of live offsets when it has grown mostly stale. */
  maybeCompact(): void {
    let live = 0;
    for (const g of this.durable.values()) live += g.size;
    if (this.entries < COMPACT_MIN_ENTRIES || this.entries < live * COMPACT_RATIO || this.syncs.busy || this.unapplied > 0 || this.failure || this.closed) return;
    const snapshot: Entry[] = [];
    for (const g of this.groups()) for (const o of this.list(g)) snapshot.push(commitEntry(g, o.topic, o.partition, o.offset));
    const buf = encodeEntries(snapshot);
    const tmp = `${this.file}.compact`;
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        writeFullySync(fd, buf);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
      fsyncDirSync(path.dirname(this.file));
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      this.log.error(`committed offsets: compaction failed, keeping the journal: ${(e as Error).message}`);
      return;
    }
    const before = this.entries;
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a+');
    this.size = buf.length;
    this.entries = snapshot.length;
    this.log.debug(`committed offsets: compacted ${before} journal entries to ${this.entries}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.failure?.fatal) fs.fsyncSync(this.fd);
    } catch (err) {
      this.log.error(`committed offsets: fsync of ${this.file} at shutdown failed: ${(err as Error).message}`);
    } finally {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

function commitEntry(g: string, t: string, p: number, o: CommittedOffset): Entry {
  const e: Entry = { g, t, p, o: o.offset, e: o.leaderEpoch, m: o.metadata, ts: o.commitTimestamp };
  if (o.topicId !== undefined) e.i = o.topicId;
  return e;
}

function applyTo(offsets: Map<string, Map<string, CommittedOffset>>, e: Entry): void {
  const key = keyOf(e.t, e.p);
  if ('del' in e) {
    const g = offsets.get(e.g);
    g?.delete(key);
    if (g && g.size === 0) offsets.delete(e.g);
    return;
  }
  let g = offsets.get(e.g);
  if (!g) offsets.set(e.g, (g = new Map()));
  const offset: CommittedOffset = { offset: e.o, leaderEpoch: e.e, metadata: e.m, commitTimestamp: e.ts };
  if (e.i !== undefined) offset.topicId = e.i;
  g.set(key, offset);
}

function listOf(offsets: Map<string, Map<string, CommittedOffset>>, group: string): { topic: string; partition: number; offset: CommittedOffset }[] {
  const g = offsets.get(group);
  if (!g) return [];
  return [...g.entries()].map(([key, offset]) => {
    const i = key.indexOf('\u0000');
    return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)), offset };
  });
}

function encodeEntries(entries: Entry[]): Buffer {
  const frames: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(JSON.stringify(e));
    const head = Buffer.alloc(FRAME_HEADER);
    head.writeUInt32BE(body.length, 0);
    head.writeUInt32BE(crc32c(body) >>> 0, 4);
    frames.push(head, body);
  }
  return Buffer.concat(frames);
}
