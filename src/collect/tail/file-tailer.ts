import { EventEmitter } from 'node:events';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { FilePosition, SourcedRecord } from '../record.js';
import { CheckpointWriter, loadCheckpoint, type FileIdentity, type ResumePoint } from './checkpoint.js';
import { CommitTracker } from './commit-tracker.js';
import { FileSet } from './file-set.js';
import { GlobSet } from './glob-set.js';
import { GlobWatcher } from './glob-watcher.js';
import { resolveTailerOptions, type FileTailerOptions, type ResolvedTailerOptions } from './options.js';
import { RecordBuilder } from './record-builder.js';
import { RecoveredFile } from './recovered-file.js';
import { locateContent } from './rotation-recovery.js';
import type { LineSource, TrackedFile } from './tracked-file.js';

export interface TailerStats {
  /** Files being followed (including rotated ones still being read to their end). */
  files: number;
  /** Files held back: probable copies of followed files (so their lines are not read twice), and files that just
   * appeared and are still shorter than the fingerprint (for up to 500 ms: a copy being written starts empty). */
  parked: number;
  /** Finished incarnations remembered for late commits and copy detection. */
  retired: number;
  /** Rotated files being read because nobody read them yet (rotated while the tailer was down, copies outside the globs). */
  recovering: number;
  bytesRead: number;
  recordsEmitted: number;
  batchesEmitted: number;
  /** Bytes held for incomplete lines, over all files (each at most maxRecordBytes). */
  bufferedBytes: number;
  /** The largest bufferedBytes seen. */
  peakBufferedBytes: number;
  /** Records in batches held back while paused. */
  heldRecords: number;
  paused: boolean;
}

export interface FileTailerEvents {
  /** Records in file order (per file); commit their positions once the sink has them. */
  batch: [records: SourcedRecord[]];
}

/** Reads a dedicated file per chunk round up to this many times before giving up on finishing it this poll. */
const FINISH_MAX_CHUNKS = 64;
const SLACK_NS = 1_000_000_000n;

/**
 * Tails the files matching globs and emits their lines as 'batch' events of SourcedRecord. Lines are read once: a
 * checkpoint of committed positions (written crash-safely, batched) lets a restart continue exactly where the sink's
 * acknowledgements reached, so only records handed out but not committed can be read twice. Files are identified by
 * device + inode + a fingerprint of their first bytes; rotation by rename, copytruncate, truncation, deletion and
 * re-creation are followed without losing lines (except what copytruncate itself loses; see README).
 *
 *   const tailer = new FileTailer({ globs: ['/var/log/app/*.log'], startAt: 'end', checkpointFile });
 *   tailer.on('batch', (records) => sink.write(topic, records).then(() => tailer.commit(lastPositions(records))));
 *   await tailer.start();
 */
export class FileTailer extends EventEmitter<FileTailerEvents> {
  private readonly opts: ResolvedTailerOptions;
  private readonly globs: GlobSet;
  private readonly set: FileSet;
  private readonly builder: RecordBuilder;
  private readonly writer: CheckpointWriter;
  private readonly buf: Buffer;
  private watcher: GlobWatcher | null = null;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private isPaused = false;
  private pumping: Promise<void> | null = null;
  private pumpActive = false;
  private inPump = false;
  private readonly dirty = new Set<TrackedFile>();
  private readonly pathQueue = new Set<string>();
  private pollDue = false;
  private rescanDue = false;
  private flushDue = false;
  private timers: NodeJS.Timeout[] = [];
  private batch: SourcedRecord[] = [];
  private batchBytes = 0;
  private readonly batchEnds = new Map<CommitTracker, number>();
  private held: SourcedRecord[][] = [];
  private counters = { bytesRead: 0, recordsEmitted: 0, batchesEmitted: 0, peakBufferedBytes: 0 };

  constructor(options: FileTailerOptions) {
    super();
    this.opts = resolveTailerOptions(options);
    this.globs = new GlobSet(this.opts.globs, this.opts.exclude);
    this.builder = new RecordBuilder(this.opts);
    this.buf = Buffer.allocUnsafe(this.opts.readChunkBytes);
    this.set = new FileSet(this.opts, {
      maxRecordBytes: this.opts.maxRecordBytes,
      fingerprintBytes: this.opts.fingerprintBytes,
      multiline: this.opts.multiline,
      add: (file, text, startOffset, endOffset, readTime) => this.add(file, text, startOffset, endOffset, readTime),
      markDirty: (f) => this.markDirty(f),
      unmarkDirty: (f) => this.dirty.delete(f),
      changed: () => void this.writer.request(),
      readToEnd: (f) => this.readToEnd(f),
      isTailed: (p) => this.globs.matches(p),
    });
    this.writer = new CheckpointWriter(this.opts.checkpointFile, this.opts.checkpointIntervalMs, () => this.set.snapshot(), (e) =>
      this.opts.log.error(`file tailer: ${e.message}`),
    );
  }

  /**
   * Loads the checkpoint, finds the files, starts watching; resolves once every file found is open and positioned.
   * `resume`: what the sink knows beyond the checkpoint after a crash (see ResumePoint).
   */
  async start({ resume = [] }: { resume?: ResumePoint[] } = {}): Promise<void> {
    if (this.state !== 'new') throw new Error('FileTailer.start() can only be called once; create a new FileTailer to start again');
    this.state = 'starting';
    // When the checkpoint was written: rotated files modified since then may hold lines nobody read (with a second of
    // slack for a file found just before the write).
    const written = await fsp.stat(this.opts.checkpointFile, { bigint: true }).catch(() => null);
    this.set.load(await loadCheckpoint(this.opts.checkpointFile));
    this.set.resume(resume);
    await fsp.mkdir(path.dirname(this.opts.checkpointFile), { recursive: true });
    this.watcher = new GlobWatcher(
      this.globs,
      (p) => {
        this.pathQueue.add(p);
        this.kick();
      },
      () => {
        this.rescanDue = true;
        this.kick();
      },
      this.opts.log,
    );
    await this.watcher.start();
    for (const p of await this.globs.scan()) if (this.state === 'starting') await this.set.checkPath(p, true);
    if (this.state === 'starting') await this.set.recoverRotated(written ? written.mtimeNs - SLACK_NS : null);
    if ((this.state as string) === 'stopped') {
      // stop() ran while we were starting: undo what it could not see yet.
      await this.watcher.close();
      await this.set.closeAll();
      return;
    }
    this.state = 'running';
    this.every(this.opts.pollIntervalMs, () => (this.pollDue = true));
    this.every(this.opts.rescanIntervalMs, () => (this.rescanDue = true));
    const ml = this.opts.multiline;
    if (ml) this.every(Math.max(10, Math.min(ml.flushAfterMs / 2, this.opts.pollIntervalMs)), () => (this.flushDue = true));
    void this.writer.request();
    this.kick();
  }

  /** The identity of a file by the fileId in its records' positions (the agent's send journal records it). */
  identityOf(fileId: string): FileIdentity | undefined {
    return this.set.identityOf(fileId);
  }

  /**
   * The records of bytes [start, end) of `file` as the tailer made them, read wherever the bytes are now (at the path,
   * renamed beside it, in a copy, gzip too); null when no file holds them all. Usable before start(): the agent
   * rebuilds the batch it was sending when it crashed.
   */
  async readRange(file: FileIdentity, start: number, end: number): Promise<SourcedRecord[] | null> {
    const found = await locateContent(file, end, this.opts.fingerprintBytes);
    if (!found) return null;
    const records: SourcedRecord[] = [];
    const reader = new RecoveredFile(
      { fileId: file.fileId, recordPath: file.recordPath, path: found.path, fh: found.fh, gzip: found.gzip, tracker: new CommitTracker(start), start, end, identity: file },
      {
        maxRecordBytes: this.opts.maxRecordBytes,
        multiline: this.opts.multiline,
        add: (f, text, s, e, readTime) => records.push(this.builder.build(text, f.recordPath, f.fileId, e, readTime, s)),
      },
    );
    const buf = Buffer.allocUnsafe(Math.min(this.opts.readChunkBytes, Math.max(4096, end - start)));
    try {
      while ((await reader.read(buf)) > 0);
    } catch {
      return null;
    } finally {
      await reader.close();
    }
    return reader.offset === end ? records : null;
  }

  /** Stops reading files (watching goes on) and holds back any batch still being assembled, until resume(). */
  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
    this.deliverHeld();
    this.kick();
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /**
   * The sink has these records: their positions may go into the checkpoint. Per file, the committed offset only moves
   * over batches that are all committed, so committing out of order is safe. Resolves once a checkpoint including
   * them is durable; rejects if it cannot be written (the error is also logged). Usable after stop().
   */
  async commit(positions: Iterable<FilePosition>): Promise<void> {
    let moved = false;
    for (const p of positions) {
      const t = this.set.byId(p.fileId);
      if (!t || !t.tracker.ack(p.offset)) continue;
      moved = true;
      const next = 'successor' in t ? t.successor : null;
      if (next) next.file.tracker.ack(Math.min(t.tracker.committed, next.until));
    }
    if (!moved) return this.writer.settled();
    const written = this.writer.request();
    if (this.state === 'stopped') await this.writer.flush();
    return written;
  }

  /** Stops watching and reading, writes the checkpoint, closes the files. Records not yet emitted are read again next time. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.watcher?.close();
    await this.pumping;
    this.batch = [];
    this.batchBytes = 0;
    this.batchEnds.clear();
    this.held = [];
    void this.writer.request();
    await this.writer.flush();
    this.writer.close();
    await this.set.closeAll();
  }

  stats(): TailerStats {
    let files = 0;
    let parked = 0;
    let buffered = 0;
    for (const f of this.set.files.values()) {
      if (f.state === 'parked') parked++;
      else files++;
      buffered += f.bufferedBytes;
    }
    let recovering = 0;
    for (const j of this.set.recovering.jobs()) {
      buffered += j.bufferedBytes;
      recovering++;
    }
    return {
      files,
      parked,
      retired: this.set.retired.size,
      recovering,
      bytesRead: this.counters.bytesRead,
      recordsEmitted: this.counters.recordsEmitted,
      batchesEmitted: this.counters.batchesEmitted,
      bufferedBytes: buffered,
      peakBufferedBytes: Math.max(this.counters.peakBufferedBytes, buffered),
      heldRecords: this.held.reduce((n, b) => n + b.length, 0),
      paused: this.isPaused,
    };
  }

  private every(ms: number, mark: () => void): void {
    const t = setInterval(() => {
      mark();
      this.kick();
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private markDirty(f: TrackedFile): void {
    this.dirty.add(f);
    this.kick();
  }

  private kick(): void {
    if (this.state !== 'running' || this.pumpActive) return;
    // Set before pump() runs: its synchronous start may mark files dirty, which calls kick() again.
    this.pumpActive = true;
    this.pumping = this.pump()
      .catch((e) => this.opts.log.error(`file tailer: unexpected error, continuing: ${(e as Error).stack ?? String(e)}`))
      .finally(() => {
        this.pumpActive = false;
        this.pumping = null;
        if (this.hasWork()) setImmediate(() => this.kick());
      });
  }

  private hasWork(): boolean {
    return this.pathQueue.size > 0 || this.pollDue || this.rescanDue || this.flushDue || (!this.isPaused && (this.dirty.size > 0 || this.set.recovering.size > 0));
  }

  /** The one loop that touches files: path checks, polls, multiline flushes, then a round of reads. */
  private async pump(): Promise<void> {
    if (this.inPump) throw new Error('file tailer: two read loops at once (a bug): they would share one read buffer');
    this.inPump = true;
    try {
      await this.pumpLoop();
    } finally {
      this.inPump = false;
    }
  }

  private async pumpLoop(): Promise<void> {
    while (this.state === 'running' && this.hasWork()) {
      if (this.rescanDue) {
        this.rescanDue = false;
        for (const p of await this.globs.scan()) this.pathQueue.add(p);
      }
      if (this.pathQueue.size > 0) {
        const paths = [...this.pathQueue];
        this.pathQueue.clear();
        for (const p of paths) if (this.state === 'running') await this.set.checkPath(p, false);
      }
      if (this.pollDue) {
        this.pollDue = false;
        await this.set.poll(Date.now(), this.isPaused);
        this.counters.peakBufferedBytes = Math.max(this.counters.peakBufferedBytes, this.stats().bufferedBytes);
      }
      if (this.flushDue) {
        this.flushDue = false;
        const now = Date.now();
        if (!this.isPaused) for (const f of this.set.files.values()) f.flushIdle(now, this.opts.multiline!.flushAfterMs);
      }
      if (!this.isPaused && this.set.recovering.size > 0) await this.set.recoverStep(this.buf);
      if (!this.isPaused) {
        for (const f of [...this.dirty]) {
          if (this.state !== 'running' || this.isPaused) break;
          this.dirty.delete(f);
          if (await this.service(f)) this.dirty.add(f);
        }
      }
      if (this.dirty.size === 0 || this.isPaused) this.emitBatch();
    }
    this.emitBatch();
  }

  /** One chunk of one file; returns whether it probably has more. */
  private async service(f: TrackedFile): Promise<boolean> {
    if (f.state !== 'active' || this.set.files.get(f.inode) !== f) return false;
    if (this.set.holds(f.recordPath)) return false; // older rotated files of the same log first (read again when they are done)
    try {
      if (f.needsCheck) {
        if (!(await this.set.verify(f))) return false;
        if (f.size === f.readOffset) {
          f.atEof = true;
          return false;
        }
      }
      const n = await f.read(this.buf, this.buf.length);
      this.counters.bytesRead += n;
      if (f.bufferedBytes > this.counters.peakBufferedBytes) this.counters.peakBufferedBytes = f.bufferedBytes;
      return n === this.buf.length;
    } catch (e) {
      this.opts.log.warn(`file tailer: reading ${f.path} failed (${(e as Error).message}); retrying at the next poll`);
      f.needsCheck = true;
      return false;
    }
  }

  private async readToEnd(f: TrackedFile): Promise<void> {
    for (let i = 0; i < FINISH_MAX_CHUNKS; i++) {
      const n = await f.read(this.buf, this.buf.length);
      this.counters.bytesRead += n;
      if (n === 0) return;
    }
    throw new Error(`${f.path} is still growing after it was rotated away; finishing it later`);
  }

  private add(file: LineSource, text: string, startOffset: number, endOffset: number, readTime: number): void {
    this.batch.push(this.builder.build(text, file.recordPath, file.fileId, endOffset, readTime, startOffset));
    this.batchBytes += text.length;
    this.batchEnds.set(file.tracker, endOffset);
    if (this.batch.length >= this.opts.maxBatchRecords || this.batchBytes >= this.opts.readChunkBytes) this.emitBatch();
  }

  private emitBatch(): void {
    if (this.batch.length === 0) return;
    const records = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    for (const [tracker, end] of this.batchEnds) tracker.handOut(end);
    this.batchEnds.clear();
    this.held.push(records);
    this.deliverHeld();
  }

  private deliverHeld(): void {
    while (!this.isPaused && this.held.length > 0) this.deliver(this.held.shift()!);
  }

  private deliver(records: SourcedRecord[]): void {
    this.counters.recordsEmitted += records.length;
    this.counters.batchesEmitted++;
    try {
      this.emit('batch', records);
    } catch (e) {
      this.opts.log.error(`file tailer: a 'batch' listener threw (${(e as Error).message}); its records will be read again after a restart unless committed`);
    }
  }
}

/** The last position of each file in a batch: all a commit needs (records of one file are in order). */
export function lastPositions(records: readonly SourcedRecord[]): FilePosition[] {
  const last = new Map<string, FilePosition>();
  for (const r of records) last.set(r.position.fileId, r.position);
  return [...last.values()];
}
