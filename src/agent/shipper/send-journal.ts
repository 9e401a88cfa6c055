// The send journal: what the idempotent producer sent, so that a restarted agent can continue as the same producer and
// the broker drops what it already has (exactly-once across a crash). Before each Produce request, the batches it
// starts are appended: partition, base sequence, record count and where the records came from (byte ranges of files,
// or a frame of the spool). An acknowledgement is appended when it arrives. Each partition has at most one batch in
// flight (sender.ts), so after a crash the journal names, per partition, the one batch the broker may or may not have:
// the agent rebuilds it from the same bytes and sends it again with the same sequence (the broker keeps its last five
// batches per producer and drops a copy), and every file is read on from where the sent batches end.
//
// Writes are plain write(2) calls, no fsync: a process crash (kill -9) keeps them in the page cache. A power loss or
// kernel crash can lose the newest ones, so a journal from an earlier boot is trusted only if the agent stopped
// cleanly (it then fsyncs); otherwise the agent starts a new producer and reads on from its fsynced checkpoint:
// at-least-once, as before. The journal written at start is fsynced once, so the clean-stop marker of the run
// before cannot come back after a power loss while this run sends.
//
// File: one record per line, `crc32c(json) json`, JSON objects:
//   P {id, e, c}                producer id, epoch, cluster id (sequences restart at 0 for every partition)
//   B {b}                       boot id of the machine while the records below were written
//   F {f, id, p, r, d, i, h, n} a file (journal-local ref f): fileId, path, recordPath, dev, ino, fingerprint, bytes
//   S {t, p, s, n, r?, sp?}     a batch about to be sent: topic, partition, base sequence, records, and its source:
//                               r = [[f, start, end, records], …] byte ranges of files, sp = [segment, offset] the end
//                               of a spool frame; neither: cannot be rebuilt (host metrics, a split batch)
//   A {t, p, s}                 the batch with that base sequence is acknowledged (or moved to the disk buffer)
//   N {t, p, s}                 next sequence of a partition (in a compacted journal)
//   E {f, o}                    records of file f up to offset o are acknowledged or in the disk buffer
//   K {sp}                      spool frames acknowledged (in a compacted journal)
//   C {}                        clean stop: everything above is on disk
import { crc32c } from '@node-rs/crc32';
import fs from 'node:fs';
import os from 'node:os';
import { writeFileAtomicSync } from '../../common/atomic-file.js';
import type { FileIdentity } from '../../collect/tail/index.js';
import type { SpoolPosition } from './spool.js';

export type { FileIdentity };

/** Records of one file in a batch: bytes [start, end), `records` of them. */
export interface SourceRun {
  fileId: string;
  start: number;
  end: number;
  records: number;
}

export interface SentBatch {
  topic: string;
  partition: number;
  baseSequence: number;
  records: number;
  /** Byte ranges it was built from, or null when it cannot be rebuilt from files. */
  runs: Array<SourceRun & { file: FileIdentity }> | null;
  /** End of the spool frame it was read from. */
  spool: SpoolPosition | null;
}

export interface Producer {
  producerId: number;
  producerEpoch: number;
}

/** What the journal says about the last run of the agent. */
export interface JournalPlan {
  producer: Producer & { clusterId: string | null };
  /** Next sequence per partition ("topic\0partition"). */
  next: Map<string, number>;
  /** Per partition, the batch sent and not acknowledged (at most one each). */
  inFlight: SentBatch[];
  /** Per file, how far its records are acknowledged. */
  acked: Map<string, { file: FileIdentity; offset: number }>;
  /** Spool frames (by end position) acknowledged. */
  spoolAcked: Set<string>;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
export const spoolKey = (p: SpoolPosition): string => `${p.segment}:${p.offset}`;

/** Files and spool frames remembered past their acknowledgement (the checkpoint and spool cursor catch up long before). */
const MAX_ACKED_FILES = 4096;
const MAX_ACKED_FRAMES = 1024;
/** A journal larger than this is rewritten as a snapshot of what it knows. */
const COMPACT_BYTES = 4 * 1024 * 1024;

/** Identifies this boot of the machine; a different value means the page cache may have been lost since. */
export function bootId(): string {
  try {
    const id = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    if (id) return id;
  } catch {
    // not Linux
  }
  // Boot time to the minute: a clock change may make it differ, which only costs the exactly-once of one restart.
  return `boot@${Math.round((Date.now() / 1000 - os.uptime()) / 60)}`;
}

interface PartitionState {
  topic: string;
  partition: number;
  next: number;
  inFlight: SentBatch | null;
}

type Rec = Record<string, unknown> & { t?: string };

/** The journal's meaning: what its records say, applied in order. */
class JournalState {
  producer: (Producer & { clusterId: string | null }) | null = null;
  boot: string | null = null;
  clean = false;
  readonly files = new Map<number, FileIdentity>();
  readonly partitions = new Map<string, PartitionState>();
  readonly acked = new Map<string, { file: FileIdentity; offset: number }>();
  readonly spoolAcked = new Set<string>();

  partitionState(topic: string, partition: number): PartitionState {
    const key = partitionKey(topic, partition);
    let p = this.partitions.get(key);
    if (!p) this.partitions.set(key, (p = { topic, partition, next: 0, inFlight: null }));
    return p;
  }

  apply(kind: string, r: Rec): void {
    this.clean = kind === 'C';
    switch (kind) {
      case 'P':
        this.producer = { producerId: r.id as number, producerEpoch: r.e as number, clusterId: (r.c as string | null) ?? null };
        this.partitions.clear();
        return;
      case 'B':
        this.boot = r.b as string;
        return;
      case 'F':
        this.files.set(r.f as number, { fileId: r.id as string, path: r.p as string, recordPath: r.r as string, dev: r.d as string, ino: r.i as string, fingerprint: r.h as string, fingerprintBytes: r.n as number });
        return;
      case 'S': {
        const p = this.partitionState(r.t as string, r.p as number);
        const runs = Array.isArray(r.r)
          ? (r.r as number[][]).map(([f, start, end, records]) => ({ file: this.files.get(f!)!, fileId: this.files.get(f!)?.fileId ?? '', start: start!, end: end!, records: records! }))
          : null;
        const spool = Array.isArray(r.sp) ? { segment: (r.sp as number[])[0]!, offset: (r.sp as number[])[1]! } : null;
        p.inFlight = { topic: p.topic, partition: p.partition, baseSequence: r.s as number, records: r.n as number, runs: runs?.some((x) => !x.file) ? null : runs, spool };
        p.next = advance(r.s as number, r.n as number);
        return;
      }
      case 'A': {
        const p = this.partitions.get(partitionKey(r.t as string, r.p as number));
        const b = p?.inFlight;
        if (!p || !b || b.baseSequence !== r.s) return;
        p.inFlight = null;
        for (const run of b.runs ?? []) this.ackedTo(run.file, run.end);
        if (b.spool) this.frameAcked(spoolKey(b.spool));
        return;
      }
      case 'N':
        this.partitionState(r.t as string, r.p as number).next = r.s as number;
        return;
      case 'E': {
        const file = this.files.get(r.f as number);
        if (file) this.ackedTo(file, r.o as number);
        return;
      }
      case 'K':
        for (const k of r.sp as string[]) this.frameAcked(k);
        return;
    }
  }

  ackedTo(file: FileIdentity, offset: number): void {
    const had = this.acked.get(file.fileId);
    if (had && had.offset >= offset) return;
    this.acked.delete(file.fileId); // re-inserted last: the map is oldest first
    this.acked.set(file.fileId, { file, offset });
    if (this.acked.size > MAX_ACKED_FILES) this.acked.delete(this.acked.keys().next().value!);
  }

  frameAcked(key: string): void {
    this.spoolAcked.add(key);
    if (this.spoolAcked.size > MAX_ACKED_FRAMES) this.spoolAcked.delete(this.spoolAcked.values().next().value!);
  }

  plan(): JournalPlan | null {
    if (!this.producer) return null;
    const next = new Map<string, number>();
    const inFlight: SentBatch[] = [];
    for (const [key, p] of this.partitions) {
      next.set(key, p.next);
      if (p.inFlight) inFlight.push(p.inFlight);
    }
    return { producer: this.producer, next, inFlight, acked: new Map(this.acked), spoolAcked: new Set(this.spoolAcked) };
  }
}

/** int32 sequence arithmetic, as the broker does it. */
function advance(sequence: number, records: number): number {
  return (sequence + records) % 2 ** 31;
}

function line(kind: string, body: Record<string, unknown>): string {
  const json = JSON.stringify({ k: kind, ...body });
  return `${(crc32c(json) >>> 0).toString(16).padStart(8, '0')} ${json}\n`;
}

/** Reads a journal: every intact record up to the first damaged one (a torn tail). */
function readRecords(text: string, onRecord: (kind: string, r: Rec) => void): void {
  for (const l of text.split('\n')) {
    if (l === '') continue;
    const sp = l.indexOf(' ');
    const json = l.slice(sp + 1);
    if (sp !== 8 || (crc32c(json) >>> 0).toString(16).padStart(8, '0') !== l.slice(0, 8)) return;
    let r: Rec;
    try {
      r = JSON.parse(json) as Rec;
    } catch {
      return;
    }
    onRecord(r.k as string, r);
  }
}

export interface JournalRead {
  plan: JournalPlan | null;
  /** Null when the plan may be used; else why not (say it in a warning). */
  distrust: string | null;
}

/** What the journal at `file` says (nothing if it does not exist). */
export function readJournal(file: string): JournalRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { plan: null, distrust: null };
    throw new Error(`cannot read the send journal ${file}: ${(e as Error).message}; check its permissions`, { cause: e });
  }
  const state = new JournalState();
  readRecords(text, (kind, r) => state.apply(kind, r));
  const plan = state.plan();
  if (plan && !state.clean && state.boot !== bootId()) {
    return { plan, distrust: 'the machine restarted since the agent last ran and the agent had not stopped cleanly, so its record of what it sent may be missing the newest batches' };
  }
  return { plan, distrust: null };
}

/** The journal being written. All writes are synchronous and small; see the file comment for why there is no fsync. */
export class SendJournal {
  private readonly state = new JournalState();
  private fd: number;
  private size = 0;
  private pending: string[] = [];
  private readonly refs = new Map<string, number>();
  private nextRef = 1;

  /**
   * Starts a new journal at `file` holding `plan` (what the last run left that still matters), replacing the old one.
   * `identify` gives a file's identity the first time a batch of its records is sent.
   */
  constructor(
    private readonly file: string,
    private readonly identify: (fileId: string) => FileIdentity | undefined,
    plan: JournalPlan | null,
  ) {
    this.fd = -1;
    // Durable once: a clean-stop marker in the old journal must not outlive a power loss while this run sends.
    this.rewrite(plan, true);
  }

  get producer(): (Producer & { clusterId: string | null }) | null {
    return this.state.producer;
  }

  /** A new producer id or epoch: every partition's sequence restarts at 0. */
  producerChanged(p: Producer, clusterId: string | null): void {
    this.add('P', { id: p.producerId, e: p.producerEpoch, c: clusterId });
  }

  /** A batch is about to be sent (call flush() before the request goes out). */
  sent(b: { topic: string; partition: number; baseSequence: number; records: number; runs: SourceRun[] | null; spool: SpoolPosition | null }): void {
    let runs: number[][] | undefined;
    if (b.runs) {
      runs = [];
      for (const r of b.runs) {
        const f = this.ref(r.fileId);
        if (f === null) {
          runs = undefined;
          break;
        }
        runs.push([f, r.start, r.end, r.records]);
      }
    }
    this.add('S', { t: b.topic, p: b.partition, s: b.baseSequence, n: b.records, ...(runs ? { r: runs } : {}), ...(b.spool ? { sp: [b.spool.segment, b.spool.offset] } : {}) });
  }

  /** The batch with this base sequence is acknowledged, or safe in the disk buffer. */
  acknowledged(topic: string, partition: number, baseSequence: number): void {
    this.add('A', { t: topic, p: partition, s: baseSequence });
  }

  /** Records of a file up to `offset` are safe without being sent by this journal (fsynced in the disk buffer). */
  stored(fileId: string, offset: number): void {
    const f = this.ref(fileId);
    if (f !== null) this.add('E', { f, o: offset });
  }

  /** Writes what was added since the last flush. */
  flush(): void {
    if (this.pending.length === 0) return;
    const data = Buffer.from(this.pending.join(''));
    this.pending = [];
    fs.writeSync(this.fd, data);
    this.size += data.length;
    if (this.size > COMPACT_BYTES) this.rewrite(this.state.plan());
  }

  /** A clean stop: marks the journal complete and makes it durable. */
  close(): void {
    this.add('C', {});
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private add(kind: string, body: Record<string, unknown>): void {
    this.pending.push(line(kind, body));
    this.state.apply(kind, body as Rec);
  }

  private ref(fileId: string): number | null {
    const known = this.refs.get(fileId);
    if (known !== undefined) return known;
    const id = this.identify(fileId);
    if (!id) return null;
    return this.defineFile(id);
  }

  private defineFile(id: FileIdentity): number {
    const f = this.nextRef++;
    this.refs.set(id.fileId, f);
    this.add('F', { f, id: id.fileId, p: id.path, r: id.recordPath, d: id.dev, i: id.ino, h: id.fingerprint, n: id.fingerprintBytes });
    return f;
  }

  /**
   * Replaces the file with a snapshot of `plan` (temp file and rename). No fsync, as for every write, except at open
   * (`durable`): the journal it replaces may end with a clean stop, which must not come back after a power loss.
   */
  private rewrite(plan: JournalPlan | null, durable = false): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.pending = [];
    this.refs.clear();
    this.state.files.clear();
    this.add('B', { b: bootId() });
    if (plan) {
      const p = plan.producer;
      this.add('P', { id: p.producerId, e: p.producerEpoch, c: p.clusterId });
      for (const [key, next] of plan.next) {
        const [topic, partition] = key.split('\u0000') as [string, string];
        this.add('N', { t: topic, p: Number(partition), s: next });
      }
      for (const { file, offset } of plan.acked.values()) this.add('E', { f: this.defineFile(file), o: offset });
      if (plan.spoolAcked.size > 0) this.add('K', { sp: [...plan.spoolAcked] });
      for (const b of plan.inFlight) this.sent({ ...b, runs: b.runs?.map((r) => ({ ...r, fileId: this.remember(r.file) })) ?? null });
    }
    const tmp = `${this.file}.tmp`;
    const data = Buffer.from(this.pending.join(''));
    this.pending = [];
    if (durable) writeFileAtomicSync(this.file, data);
    else {
      fs.writeFileSync(tmp, data);
      fs.renameSync(tmp, this.file);
    }
    this.fd = fs.openSync(this.file, 'a');
    this.size = data.length;
  }

  /** Makes a file of an earlier journal known to this one (its identity is not asked for again). */
  private remember(id: FileIdentity): string {
    if (!this.refs.has(id.fileId)) this.defineFile(id);
    return id.fileId;
  }
}
