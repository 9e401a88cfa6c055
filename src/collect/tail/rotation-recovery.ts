import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fingerprintOf, readAt, sampleAt } from './file-identity.js';
import type { FileIdentity } from './checkpoint.js';
import type { RetiredFile } from './retired-file.js';
import { contentHead, gzipHead, gzipSizeHint, listRotated, olderFirst, rotatedName, type ContentHead, type RotatedFile } from './rotated-files.js';

/*
 * Finding what was rotated away while nobody read it. A checkpointed file that the globs no longer show under its path
 * (renamed to app.log.1), or whose path holds other content (copytruncate, or a new file after a rename), still has
 * lines past its checkpoint somewhere in the same directory: in the renamed file (same device + inode), or in a copy
 * (the same first bytes, and the same bytes just before the checkpoint offset), maybe gzip-compressed. Rotations that
 * happened after the first leave files nobody ever saw: rotated names of the same log whose content the tailer does
 * not know and that were written after the checkpoint; they are read from their start. All of them are read oldest
 * first (by name: `.2` before `.1`, `-20261201` before `-20261202`; else by modification time), before the file now at
 * the path.
 */

/** What the planner knows about a file the tailer already knows (live or retired). */
export interface KnownFile {
  inode: string;
  fingerprint: string;
  fingerprintBytes: number;
}

export interface RecoverySource {
  /** The checkpointed file this continues, or null for a file rotated away unseen (read from 0). */
  entry: RetiredFile | null;
  file: RotatedFile;
  gzip: boolean;
  fh: FileHandle;
  /** Decompressed first bytes (up to fingerprintBytes). */
  head: Buffer;
  start: number;
  /** Checked before reading (gzip: while streaming to `start`). */
  sample: string | undefined;
  recordPath: string;
}

export interface PlanOptions {
  fingerprintBytes: number;
  /** Paths the globs match: the tailer's scan follows those itself. */
  isTailed(p: string): boolean;
  /** Every identity the tailer knows, so a copy of a known file is not taken for an unseen one. */
  known: KnownFile[];
  /**
   * Unseen rotated files count only if modified at or after this (the checkpoint's write time, with some slack), or
   * after the file that was live at the checkpoint was last written.
   */
  newerThanNs: bigint | null;
  warn(msg: string): void;
}

interface Candidate {
  file: RotatedFile;
  gzip: boolean;
  fh: FileHandle;
  content: ContentHead;
  /** Decompressed size, or a hint for gzip (null: unknown). */
  size: number | null;
  claimed: boolean;
}

/** A log's base name with any rotation suffix and compression extension taken off (`app.log.1.gz` → `app.log`). */
export function baseName(p: string): string {
  const name = path.basename(p);
  const m = /^(.+?)(?:[.\-_]\d{1,20}(?:[.\-_]\d{1,20}){0,3})?(?:\.(?:gz|bz2|xz|zst|lz4|zip|z))?$/i.exec(name);
  const stripped = m?.[1] ?? name;
  return stripped !== name && rotatedName(stripped, name) ? stripped : name;
}

/**
 * For each `entries` (checkpointed files not found where they were), the rotated file holding their rest; and for the
 * logs of entries that were live at the checkpoint, the rotated files nobody saw. Grouped by record path, oldest
 * first. `triggers` are the record paths whose log was rotated while the tailer was down.
 */
export async function planRecovery(entries: RetiredFile[], triggers: Set<string>, o: PlanOptions): Promise<Map<string, RecoverySource[]>> {
  const plan = new Map<string, RecoverySource[]>();
  const groups = new Map<string, { dir: string; base: string; recordPath: string; entries: RetiredFile[] }>();
  for (const r of entries) {
    const dir = path.dirname(r.path);
    for (const base of new Set([path.basename(r.recordPath), baseName(r.path)])) {
      const key = path.join(dir, base);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { dir, base, recordPath: r.recordPath, entries: [] }));
      g.entries.push(r);
    }
  }
  for (const p of triggers) {
    const key = p;
    if (!groups.has(key)) groups.set(key, { dir: path.dirname(p), base: path.basename(p), recordPath: p, entries: [] });
  }
  const taken = new Set<string>(); // entries already given a source
  const opened: Candidate[] = [];
  try {
    for (const [key, g] of groups) {
      const candidates: Candidate[] = [];
      for (const file of await listRotated(g.dir, g.base)) {
        if (o.isTailed(file.path)) continue;
        if (file.name.compression === 'unreadable') {
          if (triggers.has(key)) o.warn(`file tailer: ${file.path} may hold lines of ${g.recordPath} rotated while the agent was down, but only gzip-compressed files can be read; its lines are not shipped`);
          continue;
        }
        const c = await openCandidate(file, o.fingerprintBytes).catch(() => null);
        if (c) {
          candidates.push(c);
          opened.push(c);
        }
      }
      const sources: RecoverySource[] = [];
      for (const r of g.entries) {
        if (taken.has(r.fileId)) continue;
        const c = await sourceOf(r, candidates);
        if (!c) continue;
        taken.add(r.fileId);
        c.claimed = true;
        if (c.size !== null && c.size <= r.resumeOffset && !(c.gzip && r.resumeOffset >= 2 ** 32)) continue; // nothing left
        sources.push({ entry: r, file: c.file, gzip: c.gzip, fh: c.fh, head: c.content.head, start: r.resumeOffset, sample: r.sample, recordPath: r.recordPath });
      }
      if (triggers.has(key)) {
        // Unseen files written after the checkpoint, or after the last write to the file that was live then (a file
        // that appeared just before the crash may have been written before the checkpoint without being seen).
        let newerThan = o.newerThanNs;
        for (const s of sources) if (s.entry?.loaded === 'live' && (newerThan === null || s.file.mtimeNs < newerThan)) newerThan = s.file.mtimeNs;
        for (const c of candidates) {
          if (c.claimed || (newerThan !== null && c.file.mtimeNs < newerThan)) continue;
          if (c.content.head.length === 0 || (await isKnown(c, o.known))) continue;
          c.claimed = true;
          sources.push({ entry: null, file: c.file, gzip: c.gzip, fh: c.fh, head: c.content.head, start: 0, sample: undefined, recordPath: path.join(g.dir, g.base) });
        }
      }
      if (sources.length === 0) continue;
      const list = plan.get(sources[0]!.recordPath) ?? [];
      list.push(...sources);
      list.sort((a, b) => olderFirst(a.file, b.file));
      plan.set(sources[0]!.recordPath, list);
    }
  } finally {
    const used = new Set([...plan.values()].flat().map((s) => s.fh));
    await Promise.all(opened.filter((c) => !used.has(c.fh)).map((c) => c.fh.close().catch(() => {})));
  }
  return plan;
}

async function openCandidate(file: RotatedFile, fingerprintBytes: number): Promise<Candidate> {
  const fh = await fsp.open(file.path, 'r');
  try {
    const gzip = file.name.compression === 'gzip';
    const head = gzip ? await gzipHead(fh, fingerprintBytes) : Buffer.from(await readAt(fh, 0, Math.min(fingerprintBytes, file.size)));
    const size = gzip ? await gzipSizeHint(fh, file.size) : file.size;
    return { file, gzip, fh, content: contentHead(head), size, claimed: false };
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}

/** The candidate holding `r`'s content: the same inode first, then a plain copy, then a gzip copy. */
async function sourceOf(r: RetiredFile, candidates: Candidate[]): Promise<Candidate | undefined> {
  const same = candidates.filter((c) => !c.claimed && c.content.prefixHash(r.fingerprintBytes) === r.fingerprint);
  same.sort((a, b) => rank(a, r) - rank(b, r));
  for (const c of same) {
    if (c.gzip) {
      // Checked while streaming to the offset (RecoveredFile); the trailer tells whether there is anything past it.
      if (c.size === null || c.size >= r.resumeOffset % 2 ** 32 || r.resumeOffset >= 2 ** 32) return c;
      continue;
    }
    if (c.size! < r.resumeOffset) continue;
    if (r.sample === undefined || r.resumeOffset === 0) return c;
    if ((await sampleAt(c.fh, r.resumeOffset).catch(() => undefined)) === r.sample) return c;
  }
  return undefined;
}

function rank(c: Candidate, r: RetiredFile): number {
  if (c.file.inode === r.inode && !c.gzip) return 0;
  return c.gzip ? 2 : 1;
}

/** Whether the tailer already knows this content (a renamed or copied file it follows or followed). */
async function isKnown(c: Candidate, known: KnownFile[]): Promise<boolean> {
  for (const k of known) {
    if (k.fingerprintBytes === 0) continue;
    if (c.content.prefixHash(k.fingerprintBytes) === k.fingerprint) return true;
  }
  return false;
}

/** The identity a file read from 0 gets: like a discovered file's, from its (decompressed) first bytes. */
export function unseenIdentity(s: RecoverySource): { fingerprint: string; fingerprintBytes: number } {
  const fp = fingerprintOf(s.head);
  return { fingerprint: fp.hash, fingerprintBytes: fp.bytes };
}

/**
 * Where the bytes up to `end` of `file` are now: still at its path, renamed beside it, or in a copy (plain or gzip),
 * found as planRecovery finds a rotated file. Null when no file holds them all. The caller closes `fh`.
 */
export async function locateContent(file: FileIdentity, end: number, fingerprintBytes: number): Promise<{ path: string; fh: FileHandle; gzip: boolean } | null> {
  const candidates: Candidate[] = [];
  let best: Candidate | undefined;
  try {
    const st = await fsp.stat(file.path, { bigint: true }).catch(() => null);
    if (st?.isFile()) {
      const here: RotatedFile = { path: file.path, name: { age: { count: 0 }, compression: /\.gz$/i.test(file.path) ? 'gzip' : null }, dev: String(st.dev), ino: String(st.ino), inode: `${st.dev}:${st.ino}`, size: Number(st.size), mtimeNs: st.mtimeNs };
      const c = await openCandidate(here, fingerprintBytes).catch(() => null);
      if (c) candidates.push(c);
    }
    const seen = new Set([file.path]);
    for (const dir of new Set([path.dirname(file.path), path.dirname(file.recordPath)])) {
      for (const base of new Set([path.basename(file.recordPath), baseName(file.path)])) {
        for (const f of await listRotated(dir, base)) {
          if (seen.has(f.path) || f.name.compression === 'unreadable') continue;
          seen.add(f.path);
          const c = await openCandidate(f, fingerprintBytes).catch(() => null);
          if (c) candidates.push(c);
        }
      }
    }
    const inode = `${file.dev}:${file.ino}`;
    const fits = candidates.filter(
      (c) => c.content.prefixHash(file.fingerprintBytes) === file.fingerprint && (c.gzip ? c.size === null || c.size >= end % 2 ** 32 || end >= 2 ** 32 : c.size! >= end),
    );
    fits.sort((a, b) => (a.file.inode === inode && !a.gzip ? 0 : a.gzip ? 2 : 1) - (b.file.inode === inode && !b.gzip ? 0 : b.gzip ? 2 : 1));
    best = fits[0];
    return best ? { path: best.file.path, fh: best.fh, gzip: best.gzip } : null;
  } finally {
    await Promise.all(candidates.filter((c) => c !== best).map((c) => c.fh.close().catch(() => {})));
  }
}
