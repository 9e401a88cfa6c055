import type { BigIntStats } from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import type { CheckpointData, CheckpointEntry, FileIdentity, ResumePoint } from './checkpoint.js';
import { CommitTracker } from './commit-tracker.js';
import { fingerprintOf, hashBytes, inodeKey, lastLineEnd, makeFileId, readAt, sampleAt } from './file-identity.js';
import type { ResolvedTailerOptions } from './options.js';
import { RecoveredFile } from './recovered-file.js';
import { copyResumeOffset, retiredFromEntry, retiredFromTracked, stillPrefix, type RetiredFile } from './retired-file.js';
import { RecoveryQueue } from './recovery-queue.js';
import type { KnownFile } from './rotation-recovery.js';
import { TrackedFile, type FileContext } from './tracked-file.js';

/** Retired incarnations kept for late commits and copy detection. */
const MAX_RETIRED = 256;
/** How long a file appearing while we run may stay shorter than the fingerprint before it is read as a new file. */
const YOUNG_MS = 500;

export interface FileSetHooks extends FileContext {
  markDirty(f: TrackedFile): void;
  unmarkDirty(f: TrackedFile): void;
  /** Something the checkpoint records changed (a file appeared, was retired, continues a copy). */
  changed(): void;
  /** Reads `f` to its current end (used before a file is left). */
  readToEnd(f: TrackedFile): Promise<void>;
  /** Whether `p` is a path the globs follow (so rotated files found there are left to the scan). */
  isTailed(p: string): boolean;
}

/**
 * Every file the tailer knows, by inode and by path, and the rules for what happens to them: a new path, a path
 * now holding another inode (rename rotation), a file truncated in place (copytruncate), a file gone (deleted or
 * rotated out of the globs: read to its end, then retired), a copy of a known file (not read twice).
 * All methods run on the tailer's single pump, one at a time; map updates after the last await of a transition keep
 * snapshots consistent.
 */
export class FileSet {
  /** Live incarnations (active or parked), by "dev:ino". */
  readonly files = new Map<string, TrackedFile>();
  /** Oldest first. */
  readonly retired = new Map<string, RetiredFile>();
  private readonly byPath = new Map<string, TrackedFile>();
  private readonly ids = new Map<string, TrackedFile | RetiredFile | RecoveredFile>();
  private readonly knownPaths = new Set<string>();
  private readonly warned = new Set<string>();
  /** Rotated files nobody read yet, read to their end before the file now at their path (see recovery-queue.ts). */
  readonly recovering: RecoveryQueue;

  constructor(private readonly opts: ResolvedTailerOptions, private readonly hooks: FileSetHooks) {
    this.recovering = new RecoveryQueue(opts, {
      hooks,
      knownFiles: () => {
        const known: KnownFile[] = [];
        for (const f of this.files.values()) known.push({ inode: f.inode, fingerprint: f.headHash, fingerprintBytes: f.head.length });
        for (const r of this.retired.values()) known.push({ inode: r.inode, fingerprint: r.fingerprint, fingerprintBytes: r.fingerprintBytes });
        return known;
      },
      unretire: (id) => this.retired.delete(id),
      idTaken: (id) => this.ids.has(id),
      registerId: (job) => this.ids.set(job.fileId, job),
      remember: (r) => this.remember(r),
      activeAt: (recordPath) => [...this.files.values()].filter((f) => f.recordPath === recordPath && f.state === 'active'),
      warnOnce: (m) => this.warnOnce(m, m),
    });
  }

  /** Takes in a loaded checkpoint: every entry is retired until its file is found again. */
  load(data: CheckpointData | null): void {
    const now = Date.now();
    for (const [id, e] of Object.entries(data?.files ?? {})) {
      const r = retiredFromEntry(id, e, now);
      this.retired.set(id, r);
      this.ids.set(id, r);
      this.knownPaths.add(e.path);
    }
  }

  /**
   * Applies what the sink knows beyond the checkpoint (see ResumePoint): committed offsets move up to `acked`, reading
   * resumes at `sent`, and the range between stays handed out until the sink commits it. Call after load().
   */
  resume(points: ResumePoint[]): void {
    const now = Date.now();
    for (const { file, acked, sent } of points) {
      let r = this.retired.get(file.fileId);
      if (!r) {
        const entry: CheckpointEntry = { path: file.path, recordPath: file.recordPath, offset: acked ?? sent, fingerprint: file.fingerprint, fingerprintBytes: file.fingerprintBytes, dev: file.dev, ino: file.ino };
        r = retiredFromEntry(file.fileId, entry, now);
        this.retired.set(r.fileId, r);
        this.ids.set(r.fileId, r);
        this.knownPaths.add(r.path);
      }
      const committed = Math.max(r.tracker.committed, acked ?? 0);
      const readFrom = Math.max(committed, sent);
      if (committed === r.tracker.committed && readFrom === r.resumeOffset) continue;
      r.tracker = new CommitTracker(committed);
      r.tracker.handOut(readFrom);
      if (readFrom !== r.resumeOffset) r.sample = undefined; // it was taken at the old offset
      r.resumeOffset = readFrom;
    }
  }

  byId(fileId: string): TrackedFile | RetiredFile | RecoveredFile | undefined {
    return this.ids.get(fileId);
  }

  /** The identity of a known file, as the checkpoint would record it. */
  identityOf(fileId: string): FileIdentity | undefined {
    const x = this.ids.get(fileId);
    if (!x) return undefined;
    if (x instanceof TrackedFile) return { fileId, path: x.path, recordPath: x.recordPath, dev: x.dev, ino: x.ino, fingerprint: x.headHash, fingerprintBytes: x.head.length };
    if (x instanceof RecoveredFile) return { fileId, path: x.path, recordPath: x.recordPath, ...x.identity };
    return { fileId, path: x.path, recordPath: x.recordPath, dev: x.dev, ino: x.ino, fingerprint: x.fingerprint, fingerprintBytes: x.fingerprintBytes };
  }

  isAttached(f: TrackedFile): boolean {
    return this.byPath.get(f.path) === f;
  }

  /** Looks at a path the globs match: a file we follow, a new one, or one that is gone. */
  async checkPath(p: string, initial: boolean): Promise<void> {
    let st: BigIntStats;
    try {
      st = await fsp.stat(p, { bigint: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') this.pathGone(p);
      else this.warnOnce(p, `file tailer: cannot stat ${p} (${(e as Error).message}); retrying at the next rescan`);
      return;
    }
    if (!st.isFile()) return;
    const known = this.files.get(inodeKey(st));
    const atPath = this.byPath.get(p);
    if (known) {
      if (atPath !== known) {
        if (atPath) this.pathGone(p);
        if (this.byPath.get(known.path) === known) this.byPath.delete(known.path);
        known.path = p;
        this.byPath.set(p, known);
        this.knownPaths.add(p);
      }
      if (known.state === 'active') {
        known.needsCheck = true;
        this.hooks.markDirty(known);
      } else if (!known.copyOf) {
        await this.evaluateParked(known).catch((e) => this.fileError(known, e));
      }
      return;
    }
    if (atPath) this.pathGone(p);
    await this.discover(p, initial);
  }

  /**
   * The periodic look at every file: re-stat attached paths (catches rotations the watcher missed), finish detached
   * files that are read to the end and idle for rotateWaitMs, re-examine parked copies, and check the rest.
   */
  async poll(now: number, paused: boolean): Promise<void> {
    for (const f of [...this.files.values()]) {
      if (this.files.get(f.inode) !== f) continue;
      if (f.state === 'parked') await this.evaluateParked(f).catch((e) => this.fileError(f, e));
      else if (this.isAttached(f)) await this.checkPath(f.path, false);
      else if (!paused && f.atEof && now - Math.max(f.lastDataAt, f.detachedAt) >= this.opts.rotateWaitMs) await this.finish(f).catch((e) => this.fileError(f, e));
      if (f.state === 'active' && this.files.get(f.inode) === f) {
        f.needsCheck = true;
        this.hooks.markDirty(f);
      }
    }
  }

  /** Verifies size and head before reading; a truncated file becomes a new incarnation. Returns whether `f` is still current. */
  async verify(f: TrackedFile): Promise<boolean> {
    f.needsCheck = false;
    if (await f.check()) return true;
    await this.truncated(f);
    return false;
  }

  /** The checkpoint: committed offsets of live files and of retired ones still worth remembering. */
  async snapshot(): Promise<CheckpointData> {
    const files: Record<string, CheckpointEntry> = {};
    const samples: Promise<void>[] = [];
    for (const f of this.files.values()) {
      if (f.copyOf) continue; // a parked copy is found again by its content; a young file is recorded at 0
      const e: CheckpointEntry = { path: f.path, ...(f.recordPath !== f.path ? { recordPath: f.recordPath } : {}), offset: f.tracker.committed, fingerprint: f.headHash, fingerprintBytes: f.head.length, dev: f.dev, ino: f.ino };
      files[f.fileId] = e;
      const cached = f.checkpointSample;
      if (cached?.offset === e.offset) {
        if (cached.hash) e.sample = cached.hash;
      } else if (e.offset > 0) {
        samples.push(
          sampleAt(f.fh, e.offset).then(
            (hash) => {
              f.checkpointSample = { offset: e.offset, hash };
              if (hash) e.sample = hash;
            },
            () => {},
          ),
        );
      }
    }
    for (const j of this.recovering.jobs()) {
      files[j.fileId] = { path: j.path, ...(j.recordPath !== j.path ? { recordPath: j.recordPath } : {}), offset: j.tracker.committed, ...j.identity };
    }
    for (const r of this.retired.values()) {
      const offset = r.tracker.committed;
      files[r.fileId] = {
        path: r.path,
        ...(r.recordPath !== r.path ? { recordPath: r.recordPath } : {}),
        offset,
        fingerprint: r.fingerprint,
        fingerprintBytes: r.fingerprintBytes,
        dev: r.dev,
        ino: r.ino,
        ...(offset === r.resumeOffset && r.sample ? { sample: r.sample } : {}),
        retired: { at: r.at, reason: r.reason },
      };
    }
    await Promise.all(samples);
    return { version: 1, files };
  }

  /** Closes every file; the maps stay so a commit after stop() still writes a complete checkpoint. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => f.close()));
    await this.recovering.closeAll();
  }

  /** Whether the file now at `recordPath` must wait: older rotated files of the same log are still being read. */
  holds(recordPath: string): boolean {
    return this.recovering.holds(recordPath);
  }

  /**
   * At start, after the first scan: checkpointed files the scan did not find again (rotated while the tailer was
   * down) are looked for in their directory, with rotated files nobody saw, and queued to be read (see
   * rotation-recovery.ts). `newerThanNs`: when the checkpoint was last written.
   */
  async recoverRotated(newerThanNs: bigint | null): Promise<void> {
    const entries = [...this.retired.values()].filter((r) => r.loaded !== undefined && r.reason !== 'deleted');
    if (entries.length === 0) return;
    const triggers = new Set(entries.filter((r) => r.loaded === 'live').map((r) => r.recordPath));
    await this.recovering.plan(entries, triggers, newerThanNs, 'rotated while the agent was down');
  }

  /** One chunk of the oldest pending rotated file of each log; returns whether any is left. */
  recoverStep(buf: Buffer): Promise<boolean> {
    return this.recovering.step(buf);
  }

  private async discover(p: string, initial: boolean): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(p, 'r');
    } catch (e) {
      this.warnOnce(p, `file tailer: cannot open ${p} (${(e as Error).message}); check its permissions — retrying at the next rescan`);
      return;
    }
    try {
      const st = await fh.stat({ bigint: true });
      const inode = inodeKey(st);
      if (this.files.has(inode)) {
        await fh.close(); // the path changed between stat and open; the next event or poll sorts it out
        return;
      }
      const size = Number(st.size);
      const head = Buffer.from(await readAt(fh, 0, Math.min(this.opts.fingerprintBytes, size)));
      const ids = { dev: String(st.dev), ino: String(st.ino) };
      this.warned.delete(p);
      const same = await this.findSame(inode, fh, head, size);
      if (same) {
        const f = new TrackedFile({ ...ids, fileId: same.fileId, path: p, recordPath: same.recordPath, fh, head, readOffset: same.resumeOffset, tracker: same.tracker }, this.hooks);
        return this.register(f, `resuming ${p} at byte ${same.resumeOffset}`);
      }
      const fileId = makeFileId(inode, fingerprintOf(head), (id) => this.ids.has(id));
      const f = new TrackedFile({ ...ids, fileId, path: p, recordPath: p, fh, head, readOffset: 0, tracker: new CommitTracker(0) }, this.hooks);
      f.state = 'parked';
      // startAt applies to a path first seen in the first scan; a path the checkpoint knows holds a rotated log's successor.
      f.skipToEnd = initial && this.opts.startAt === 'end' && !this.knownPaths.has(p);
      this.register(f, `found ${p}`);
      await this.decide(f, size, initial);
    } catch (e) {
      await fh.close().catch(() => {});
      this.warnOnce(p, `file tailer: cannot read ${p} (${(e as Error).message}); retrying at the next rescan`);
    }
  }

  /**
   * Where a file seen for the first time starts: a copy of a followed file waits (parked) until that file is
   * truncated or the two differ; a copy of a retired file continues where it stopped; a file appearing while we run
   * that is shorter than the fingerprint waits up to YOUNG_MS to grow (a copy being written starts empty); anything
   * else is new: read from the start, or for startAt 'end' in the first scan, from its last complete line.
   */
  private async decide(f: TrackedFile, size: number, initial: boolean): Promise<void> {
    const N = this.opts.fingerprintBytes;
    if (f.head.length === N) {
      const original = await this.findLiveOriginal(f.inode, f.headHash);
      if (original) {
        f.copyOf = original;
        f.recordPath = original.recordPath;
        this.opts.log.info(`file tailer: ${f.path} starts like ${original.path}: held back as a probable copy until that file is truncated or the two differ`);
        return;
      }
      for (const r of [...this.retired.values()].reverse()) {
        if (r.fingerprintBytes !== N || r.fingerprint !== f.headHash) continue;
        const at = await copyResumeOffset(r, f.fh, false, Date.now());
        if (at !== undefined) return this.activate(f, r, at, `${f.path} is a copy of ${r.path}: continuing it at byte ${at} instead of reading it twice`);
      }
    } else if (!initial && this.isAttached(f) && Date.now() - f.foundAt < YOUNG_MS) {
      return; // parked, young: looked at again by poll and by its change events
    }
    const offset = f.skipToEnd ? await lastLineEnd(f.fh, size) : 0;
    f.tracker = new CommitTracker(offset);
    this.activate(f, undefined, offset, `tailing ${f.path} from byte ${offset}`);
  }

  private register(f: TrackedFile, what: string): void {
    const r = this.retired.get(f.fileId);
    if (r) this.retired.delete(f.fileId);
    this.files.set(f.inode, f);
    this.byPath.set(f.path, f);
    this.ids.set(f.fileId, f);
    this.knownPaths.add(f.path);
    if (f.state === 'active') {
      this.opts.log.info(`file tailer: ${what}`);
      this.hooks.markDirty(f);
      this.hooks.changed();
    }
  }

  /** A retired incarnation of this inode with the same first bytes, whose content at the resume offset is still there. */
  private async findSame(inode: string, fh: FileHandle, head: Buffer, size: number): Promise<RetiredFile | undefined> {
    for (const r of this.retired.values()) {
      // A deleted file's inode, or a truncated one's old content, cannot come back: any match would be a coincidence.
      if (r.inode !== inode || r.reason !== 'gone' || r.fingerprintBytes > head.length || r.resumeOffset > size) continue;
      if (hashBytes(head.subarray(0, r.fingerprintBytes)) !== r.fingerprint) continue;
      if (r.sample !== undefined && (await sampleAt(fh, r.resumeOffset)) !== r.sample) continue;
      return r;
    }
    return undefined;
  }

  /** A followed file (another inode) with the same first fingerprintBytes; one found truncated is retired first. */
  private async findLiveOriginal(inode: string, hash: string): Promise<TrackedFile | undefined> {
    for (const f of [...this.files.values()]) {
      if (f.inode === inode || f.state !== 'active') continue;
      if (f.head.length < this.opts.fingerprintBytes && !(await this.verify(f))) continue;
      if (f.headHash !== hash) continue;
      if (await this.verify(f)) return f;
    }
    return undefined;
  }

  /** `f` continues retired `r` from `at`: its checkpoint waits until r's records below `at` are committed. */
  private continueCopy(f: TrackedFile, r: RetiredFile, at: number): void {
    const from = Math.min(r.tracker.committed, at);
    f.tracker = new CommitTracker(from);
    if (from < at) {
      f.tracker.handOut(at);
      r.successor = { file: f, until: at };
    }
  }

  /** A parked file: a young one gets another look; a copy is checked against its original or, once that is retired, continued. */
  private async evaluateParked(f: TrackedFile): Promise<void> {
    const original = f.copyOf;
    if (!original) {
      const st = await f.fh.stat();
      f.head = Buffer.from(await readAt(f.fh, 0, Math.min(this.opts.fingerprintBytes, st.size)));
      f.headHash = hashBytes(f.head);
      return this.decide(f, st.size, false);
    }
    if (this.files.get(original.inode) === original && original.state === 'active') {
      if (!(await this.verify(original))) return; // truncated(): settled f already
      if (await stillPrefix(f, original)) {
        f.verifiedCopy = true;
        return;
      }
      return this.activate(f, undefined, 0, `${f.path} differs from ${original.path}: reading it as a file of its own`);
    }
    const r = this.retired.get(original.fileId);
    const at = r ? await copyResumeOffset(r, f.fh, f.verifiedCopy, Date.now()) : undefined;
    if (r && at !== undefined) return this.activate(f, r, at, `${f.path} is a copy of ${r.path}: continuing it at byte ${at}`);
    this.activate(f, undefined, 0, `${f.path} is not a copy of ${original.path} after all: reading it from the start`);
  }

  /** Starts reading a parked file at `at`: as the continuation of retired `r`, or as a file of its own. */
  private activate(f: TrackedFile, r: RetiredFile | undefined, at: number, what: string): void {
    f.state = 'active';
    f.copyOf = null;
    f.readOffset = at;
    f.resetBoundary();
    if (r) {
      f.recordPath = r.recordPath;
      this.continueCopy(f, r, at);
    } else {
      f.recordPath = f.path;
    }
    this.opts.log.info(`file tailer: ${what}`);
    this.hooks.markDirty(f);
    this.hooks.changed();
  }

  private async settleCopiesOf(original: TrackedFile): Promise<void> {
    for (const f of [...this.files.values()]) {
      if (f.state === 'parked' && f.copyOf === original) await this.evaluateParked(f).catch((e) => this.fileError(f, e));
    }
  }

  /** Truncated or rewritten in place: hand out what is complete, retire this incarnation, start a new one at 0. */
  private async truncated(f: TrackedFile): Promise<void> {
    const cut = f.cutAtLastLine();
    const st = await f.fh.stat({ bigint: true });
    const head = Buffer.from(await readAt(f.fh, 0, Math.min(this.opts.fingerprintBytes, Number(st.size))));
    const r = this.retire(f, 'truncated', cut.sample, cut.offset);
    const fileId = makeFileId(f.inode, fingerprintOf(head), (id) => this.ids.has(id));
    const next = new TrackedFile({ fileId, dev: f.dev, ino: f.ino, path: f.path, recordPath: f.recordPath, fh: f.fh, head, readOffset: 0, tracker: new CommitTracker(0) }, this.hooks);
    this.files.set(f.inode, next);
    if (this.byPath.get(f.path) === f) this.byPath.set(f.path, next);
    else next.detachedAt = f.detachedAt || Date.now();
    this.ids.set(fileId, next);
    this.hooks.unmarkDirty(f);
    this.hooks.markDirty(next);
    const lost = cut.dropped > 0 ? ` (an incomplete line of ${cut.dropped} bytes was cut; a copy of the file continues it)` : '';
    this.opts.log.info(`file tailer: ${f.path} was truncated after byte ${r.resumeOffset}${lost}: reading it again from the start`);
    await this.settleCopiesOf(f);
    // copytruncate with the copy outside the globs: what was not read yet is in the copy (read before the file goes on).
    if (this.retired.get(r.fileId) === r && !r.successor) {
      await this.recovering.plan([r], new Set(), null, 'copied by copytruncate');
    }
  }

  /** A detached file read to its end and idle: hand out its last partial line, retire it, close it. */
  private async finish(f: TrackedFile): Promise<void> {
    await this.hooks.readToEnd(f);
    if (this.files.get(f.inode) !== f) return; // truncated meanwhile
    f.finishLines();
    const sample = await f.sampleAtRead();
    const st = await f.fh.stat();
    const r = this.retire(f, st.nlink === 0 ? 'deleted' : 'gone', sample);
    this.files.delete(f.inode);
    this.hooks.unmarkDirty(f);
    await f.close();
    this.opts.log.info(`file tailer: finished ${f.path} (${r.reason === 'deleted' ? 'deleted' : 'rotated away'}) at byte ${r.resumeOffset}`);
    await this.settleCopiesOf(f);
  }

  private retire(f: TrackedFile, reason: RetiredFile['reason'], sample: string | undefined, resumeOffset = f.readOffset): RetiredFile {
    const r = retiredFromTracked(f, reason, sample, resumeOffset);
    this.remember(r);
    return r;
  }

  private remember(r: RetiredFile): void {
    this.retired.set(r.fileId, r);
    this.ids.set(r.fileId, r);
    this.evict();
    this.hooks.changed();
  }

  /** Keeps the retired list bounded: the oldest fully committed go first. */
  private evict(): void {
    if (this.retired.size <= MAX_RETIRED) return;
    for (const r of this.retired.values()) {
      if (this.retired.size <= MAX_RETIRED) return;
      if (r.tracker.outstanding && this.retired.size <= 2 * MAX_RETIRED) continue;
      this.retired.delete(r.fileId);
      this.ids.delete(r.fileId);
    }
  }

  private pathGone(p: string): void {
    const f = this.byPath.get(p);
    if (!f) return;
    this.byPath.delete(p);
    if (f.path !== p) return;
    if (f.state === 'parked' && f.copyOf) {
      // A copy that vanished before it mattered.
      this.files.delete(f.inode);
      this.ids.delete(f.fileId);
      void f.close();
      return;
    }
    // A young file that moved away is decided on at the next poll without waiting: then read to its end.
    f.detachedAt = Date.now();
    f.needsCheck = true;
    this.hooks.markDirty(f);
  }

  private fileError(f: TrackedFile, e: unknown): void {
    this.warnOnce(f.path, `file tailer: ${f.path}: ${(e as Error).message}; retrying`);
  }

  private warnOnce(p: string, msg: string): void {
    if (this.warned.has(p)) return;
    this.warned.add(p);
    this.opts.log.warn(msg);
  }
}
