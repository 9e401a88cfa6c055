import { CommitTracker } from './commit-tracker.js';
import { makeFileId } from './file-identity.js';
import type { ResolvedTailerOptions } from './options.js';
import { NotTheSameContent, RecoveredFile } from './recovered-file.js';
import type { RetiredFile } from './retired-file.js';
import { planRecovery, unseenIdentity, type KnownFile, type RecoverySource } from './rotation-recovery.js';
import type { FileContext } from './tracked-file.js';

/** What the queue needs from the file set that owns it. */
export interface RecoveryHost {
  readonly hooks: FileContext & { markDirty(f: { recordPath: string }): void; isTailed(p: string): boolean; changed(): void };
  /** Every file the set knows (followed and retired), so planning does not take one of them for an unseen file. */
  knownFiles(): KnownFile[];
  /** A retired entry is read again as a recovered file: the set forgets it as retired. */
  unretire(fileId: string): void;
  idTaken(fileId: string): boolean;
  registerId(job: RecoveredFile): void;
  /** A recovered file finished: the set remembers it as retired. */
  remember(r: RetiredFile): void;
  /** The active files now at `recordPath`, read again once its older rotated files are done. */
  activeAt(recordPath: string): Iterable<object>;
  warnOnce(msg: string): void;
}

/**
 * Rotated files being read to their end because nobody read them yet (rotated while the tailer was down, or a
 * copytruncate copy outside the globs), by record path, oldest first. The file now at that path waits for them
 * (see holds), so lines keep their order.
 */
export class RecoveryQueue {
  readonly byLog = new Map<string, RecoveredFile[]>();

  constructor(private readonly opts: ResolvedTailerOptions, private readonly host: RecoveryHost) {}

  get size(): number {
    return this.byLog.size;
  }

  holds(recordPath: string): boolean {
    return this.byLog.has(recordPath);
  }

  *jobs(): Iterable<RecoveredFile> {
    for (const list of this.byLog.values()) yield* list;
  }

  /** Looks for the rotated successors of `entries` (see rotation-recovery.ts) and queues them to be read. */
  async plan(entries: RetiredFile[], triggers: Set<string>, newerThanNs: bigint | null, why: string): Promise<void> {
    const plan = await planRecovery(entries, triggers, {
      fingerprintBytes: this.opts.fingerprintBytes,
      isTailed: (p) => this.host.hooks.isTailed(p),
      known: this.host.knownFiles(),
      newerThanNs,
      warn: (m) => this.host.warnOnce(m),
    });
    for (const sources of plan.values()) for (const s of sources) this.enqueue(s, why);
  }

  /** One chunk of the oldest pending rotated file of each log; returns whether any is left. */
  async step(buf: Buffer): Promise<boolean> {
    for (const [recordPath, list] of [...this.byLog]) {
      const job = list[0]!;
      let n = 0;
      let failed = false;
      try {
        n = await job.read(buf);
      } catch (e) {
        failed = true;
        const what = e instanceof NotTheSameContent ? `${e.message}; it is not the rotated file after all` : `reading it failed (${(e as Error).message})`;
        this.opts.log.warn(`file tailer: ${job.path}: ${what} — lines of ${job.recordPath} after byte ${job.offset} are not shipped`);
      }
      if (n > 0) continue;
      if (list[0] === job) list.shift();
      await this.finish(job, failed);
      if (list.length === 0) {
        this.byLog.delete(recordPath);
        for (const f of this.host.activeAt(recordPath)) this.host.hooks.markDirty(f as { recordPath: string });
      }
    }
    return this.byLog.size > 0;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.jobs()].map((j) => j.close()));
  }

  private enqueue(s: RecoverySource, why: string): void {
    let job: RecoveredFile;
    const common = { recordPath: s.recordPath, path: s.file.path, fh: s.fh, gzip: s.gzip, start: s.start, sample: s.sample };
    if (s.entry) {
      const r = s.entry;
      this.host.unretire(r.fileId);
      const identity = { dev: r.dev, ino: r.ino, fingerprint: r.fingerprint, fingerprintBytes: r.fingerprintBytes };
      job = new RecoveredFile({ ...common, fileId: r.fileId, tracker: r.tracker, identity }, this.host.hooks);
    } else {
      const id = unseenIdentity(s);
      const fileId = makeFileId(s.file.inode, { hash: id.fingerprint, bytes: id.fingerprintBytes }, (x) => this.host.idTaken(x));
      job = new RecoveredFile({ ...common, fileId, tracker: new CommitTracker(0), identity: { dev: s.file.dev, ino: s.file.ino, ...id } }, this.host.hooks);
    }
    this.host.registerId(job);
    const list = this.byLog.get(s.recordPath) ?? [];
    list.push(job);
    this.byLog.set(s.recordPath, list);
    const what = s.entry ? `the rest of ${s.recordPath} from byte ${s.start}` : `lines of ${s.recordPath} nobody read yet`;
    this.opts.log.info(`file tailer: reading ${what} from ${s.file.path}${s.gzip ? ' (gzip)' : ''}, ${why}`);
    this.host.hooks.changed();
  }

  /** A recovered file read to its end (or given up on): remembered (retired) like any finished file, then closed. */
  private async finish(job: RecoveredFile, failed: boolean): Promise<void> {
    const sample = failed ? undefined : await job.sampleAtOffset();
    this.host.remember({
      fileId: job.fileId,
      dev: job.identity.dev,
      ino: job.identity.ino,
      inode: `${job.identity.dev}:${job.identity.ino}`,
      path: job.path,
      recordPath: job.recordPath,
      fingerprint: job.identity.fingerprint,
      fingerprintBytes: job.identity.fingerprintBytes,
      resumeOffset: job.offset,
      sample,
      at: Date.now(),
      reason: 'gone',
      tracker: job.tracker,
      successor: null,
    });
    await job.close();
    if (!failed) this.opts.log.info(`file tailer: finished ${job.path} at byte ${job.offset} (${job.offset - job.start} bytes of ${job.recordPath} recovered)`);
  }
}
