import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { fsyncDirSync, writeFullySync } from '../../common/atomic-file.js';
import type { Logger } from '../../common/logger.js';

/** One committed offset, as OffsetCommit stores it and OffsetFetch returns it. */
export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
}

type Entry =
  | { g: string; t: string; p: number; o: number; e: number; m: string | null; ts: number }
  | { g: string; t: string; p: number; del: 1 };

const FILE = 'consumer-offsets.log';
const FRAME_HEADER = 8; // length uint32 + crc32c uint32
/** Rewrite the journal as a snapshot once it holds this many times more entries than live offsets. */
const COMPACT_RATIO = 4;
const COMPACT_MIN_ENTRIES = 10_000;

/**
 * Committed offsets, durable across crashes: an append-only journal of CRC-framed entries
 * (a torn tail is cut off on load), fsynced before a commit is acknowledged (concurrent
 * commits share one fsync), compacted by writing a snapshot and renaming it over the journal.
 */
export class OffsetStore {
  private readonly offsets = new Map<string, Map<string, CommittedOffset>>();
  private fd: number;
  private size: number;
  private entries = 0;
  private syncing: Promise<void> | null = null;
  private syncQueued: Promise<void> | null = null;

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
      this.apply(entry);
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

  private apply(e: Entry): void {
    const key = `${e.t}\u0000${e.p}`;
    if ('del' in e) {
      const g = this.offsets.get(e.g);
      g?.delete(key);
      if (g && g.size === 0) this.offsets.delete(e.g);
      return;
    }
    let g = this.offsets.get(e.g);
    if (!g) this.offsets.set(e.g, (g = new Map()));
    g.set(key, { offset: e.o, leaderEpoch: e.e, metadata: e.m, commitTimestamp: e.ts });
  }

  private append(entries: Entry[]): void {
    const buf = encodeEntries(entries);
    writeFullySync(this.fd, buf);
    this.size += buf.length;
    this.entries += entries.length;
    for (const e of entries) this.apply(e);
  }

  /** Record commits; resolves once they are on disk. */
  commit(group: string, commits: { topic: string; partition: number; offset: CommittedOffset }[]): Promise<void> {
    if (commits.length === 0) return Promise.resolve();
    this.append(commits.map((c) => ({ g: group, t: c.topic, p: c.partition, o: c.offset.offset, e: c.offset.leaderEpoch, m: c.offset.metadata, ts: c.offset.commitTimestamp })));
    return this.sync();
  }

  delete(group: string, partitions: { topic: string; partition: number }[]): Promise<void> {
    const present = partitions.filter((p) => this.get(group, p.topic, p.partition));
    if (present.length === 0) return Promise.resolve();
    this.append(present.map((p) => ({ g: group, t: p.topic, p: p.partition, del: 1 as const })));
    return this.sync();
  }

  deleteGroup(group: string): Promise<void> {
    return this.delete(group, this.list(group).map(({ topic, partition }) => ({ topic, partition })));
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(group)?.get(`${topic}\u0000${partition}`);
  }

  list(group: string): { topic: string; partition: number; offset: CommittedOffset }[] {
    const g = this.offsets.get(group);
    if (!g) return [];
    return [...g.entries()].map(([key, offset]) => {
      const i = key.indexOf('\u0000');
      return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)), offset };
    });
  }

  groups(): string[] {
    return [...this.offsets.keys()];
  }

  /** Whether any committed offset is stored for the group (a map lookup, for the coordinator's idle-group checks). */
  hasGroup(group: string): boolean {
    return this.offsets.has(group);
  }

  /** Drop every group's offsets for a deleted topic. */
  forgetTopic(topic: string): Promise<void> {
    const waits = this.groups().map((g) => this.delete(g, this.list(g).filter((o) => o.topic === topic)));
    return Promise.all(waits).then(() => undefined);
  }

  /** One fsync for every commit appended before it starts; later commits wait for the next one. */
  private sync(): Promise<void> {
    if (!this.syncing) {
      this.syncing = this.fsync().finally(() => (this.syncing = null));
      return this.syncing;
    }
    this.syncQueued ??= this.syncing.then(() => {
      this.syncQueued = null;
      return this.sync();
    });
    return this.syncQueued;
  }

  private fsync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  /** Rewrite the journal as a snapshot of live offsets when it has grown mostly stale. */
  maybeCompact(): void {
    let live = 0;
    for (const g of this.offsets.values()) live += g.size;
    if (this.entries < COMPACT_MIN_ENTRIES || this.entries < live * COMPACT_RATIO || this.syncing) return;
    const snapshot: Entry[] = [];
    for (const g of this.groups()) {
      for (const o of this.list(g)) snapshot.push({ g, t: o.topic, p: o.partition, o: o.offset.offset, e: o.offset.leaderEpoch, m: o.offset.metadata, ts: o.offset.commitTimestamp });
    }
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
    if (this.fd >= 0) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
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
