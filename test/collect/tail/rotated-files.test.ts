// The rotated-file finder: logrotate's names, identity by inode (rename) and by content (copies, gzip), and which
// unseen rotated files count.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CommitTracker } from '../../../src/collect/tail/commit-tracker.js';
import { hashBytes } from '../../../src/collect/tail/file-identity.js';
import { NotTheSameContent, RecoveredFile } from '../../../src/collect/tail/recovered-file.js';
import type { RetiredFile } from '../../../src/collect/tail/retired-file.js';
import { listRotated, olderFirst, rotatedName } from '../../../src/collect/tail/rotated-files.js';
import { baseName, planRecovery, type PlanOptions, type RecoverySource } from '../../../src/collect/tail/rotation-recovery.js';
import { tempDir } from './helpers.js';

const FP = 64;
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${String(from + i).padStart(6, '0')}\n`).join('');

/** A checkpoint entry for `file` as it is now, read up to `offset`. */
function entryFor(file: string, offset: number, extra: Partial<RetiredFile> = {}): RetiredFile {
  const st = fs.statSync(file, { bigint: true });
  const data = fs.readFileSync(file);
  return {
    fileId: `${st.dev}:${st.ino}:x`,
    dev: String(st.dev),
    ino: String(st.ino),
    inode: `${st.dev}:${st.ino}`,
    path: file,
    recordPath: file,
    fingerprint: hashBytes(data.subarray(0, FP)),
    fingerprintBytes: Math.min(FP, data.length),
    resumeOffset: offset,
    sample: hashBytes(data.subarray(Math.max(0, offset - 64), offset)),
    at: 0,
    reason: 'gone',
    tracker: new CommitTracker(offset),
    successor: null,
    loaded: 'live',
    ...extra,
  };
}

function options(extra: Partial<PlanOptions> = {}): PlanOptions & { warnings: string[] } {
  const warnings: string[] = [];
  return { fingerprintBytes: FP, isTailed: () => false, known: [], newerThanNs: null, warn: (m) => warnings.push(m), warnings, ...extra };
}

async function plan(entries: RetiredFile[], triggers: string[], o: PlanOptions): Promise<RecoverySource[]> {
  const p = await planRecovery(entries, new Set(triggers), o);
  const all = [...p.values()].flat();
  await Promise.all(all.map((s) => s.fh.close()));
  return all;
}

const names = (sources: RecoverySource[]) => sources.map((s) => `${path.basename(s.file.path)}@${s.start}`);

function setMtime(file: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, t, t);
}

describe('rotatedName', () => {
  it('recognises logrotate names, numbered and dated, compressed or not', () => {
    for (const n of ['app.log.1', 'app.log.5', 'app.log.12', 'app.log-20261202', 'app.log-2026-12-02', 'app.log-20261202-1764633600', 'app.log.1.gz', 'app.log-20261202.gz', 'app-20261202.log', 'app-20261202.log.gz', 'app.1.log', 'app.log_3']) {
      expect(rotatedName('app.log', n), n).not.toBeNull();
    }
    expect(rotatedName('app.log', 'app.log.1.gz')!.compression).toBe('gzip');
    expect(rotatedName('app.log', 'app.log.1.bz2')!.compression).toBe('unreadable');
    expect(rotatedName('app.log', 'app.log.1')!.compression).toBeNull();
  });

  it('rejects the log itself and names that only look alike', () => {
    for (const n of ['app.log', 'app.log.bak', 'app.logger', 'other.log.1', 'app.log.1.tmp', 'app.log.', 'xapp.log.1', 'app.log.1.2.3.4.5']) {
      expect(rotatedName('app.log', n), n).toBeNull();
    }
  });

  it('orders by name: a higher number is older, a later date is newer; else by modification time', () => {
    const at = (n: string, mtimeNs = 0n) => ({ name: rotatedName('app.log', n)!, mtimeNs, n });
    const sorted = (...xs: ReturnType<typeof at>[]) => xs.sort(olderFirst).map((x) => x.n);
    // Names win over times (a copy and a compressed file may carry times out of order by a millisecond).
    expect(sorted(at('app.log.1', 1n), at('app.log.5', 9n), at('app.log.2.gz', 5n))).toEqual(['app.log.5', 'app.log.2.gz', 'app.log.1']);
    expect(sorted(at('app.log-20261202', 1n), at('app.log-20261130', 2n))).toEqual(['app.log-20261130', 'app.log-20261202']);
    expect(sorted(at('app-20261201.log'), at('app-20261130.log'))).toEqual(['app-20261130.log', 'app-20261201.log']);
    expect(sorted(at('app.log-20261202-1764633600'), at('app.log-20261202-1764630000'))).toEqual(['app.log-20261202-1764630000', 'app.log-20261202-1764633600']);
    // Different schemes: by time.
    expect(sorted(at('app.log.1', 9n), at('app.log-20261202', 3n))).toEqual(['app.log-20261202', 'app.log.1']);
  });

  it('baseName takes the rotation suffix off', () => {
    expect(baseName('/d/app.log.1.gz')).toBe('app.log');
    expect(baseName('/d/app.log-20261202')).toBe('app.log');
    expect(baseName('/d/app.log')).toBe('app.log');
    expect(baseName('/d/syslog.3')).toBe('syslog');
  });
});

describe('listRotated', () => {
  it('lists rotated files of one log (regular files only), oldest first', async () => {
    const dir = tempDir();
    for (const n of ['app.log', 'app.log.1', 'app.log.2.gz', 'app.log.3', 'other.log.1', 'app.log.notes']) fs.writeFileSync(path.join(dir, n), n);
    fs.mkdirSync(path.join(dir, 'app.log.9'));
    setMtime(path.join(dir, 'app.log.1'), 30); // an mtime out of order does not override the names
    const list = await listRotated(dir, 'app.log');
    expect(list.map((f) => path.basename(f.path))).toEqual(['app.log.3', 'app.log.2.gz', 'app.log.1']);
  });
});

describe('planRecovery', () => {
  it('finds a renamed file by its inode and continues it at the checkpoint offset', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, lines(1, 100));
    const e = entryFor(file, 1200);
    fs.appendFileSync(file, lines(101, 200));
    fs.renameSync(file, `${file}.1`);
    fs.copyFileSync(`${file}.1`, `${file}.2`); // a copy with the same content: the inode wins
    fs.writeFileSync(file, lines(500, 510));
    const found = await plan([e], [], options());
    expect(names(found)).toEqual(['app.log.1@1200']);
    expect(found[0]!.entry).toBe(e);
    expect(found[0]!.recordPath).toBe(file);
  });

  it('finds a copytruncate copy by its first bytes and the bytes before the offset, plain or gzip', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, lines(1, 100));
    const e = entryFor(file, 1200);
    fs.appendFileSync(file, lines(101, 200));
    fs.copyFileSync(file, `${file}-20261202`);
    fs.truncateSync(file, 0);
    let found = await plan([e], [], options());
    expect(names(found)).toEqual(['app.log-20261202@1200']);

    fs.writeFileSync(`${file}-20261202.gz`, gzipSync(fs.readFileSync(`${file}-20261202`)));
    fs.unlinkSync(`${file}-20261202`);
    found = await plan([e], [], options());
    expect(names(found)).toEqual(['app.log-20261202.gz@1200']);
    expect(found[0]!.gzip).toBe(true);
  });

  it('does not take a file with the same first bytes but other bytes before the offset for a copy', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, lines(1, 100));
    const e = entryFor(file, 1200);
    const other = lines(1, 5) + 'something else entirely\n'.repeat(100);
    fs.writeFileSync(`${file}.1`, other);
    expect(await plan([e], [], options())).toEqual([]);
  });

  it('skips a file read to its end, and files the globs follow', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, lines(1, 100));
    const done = entryFor(file, 1200);
    fs.renameSync(file, `${file}.1`);
    expect(await plan([done], [], options())).toEqual([]);
    fs.appendFileSync(`${file}.1`, lines(101, 110));
    expect(await plan([done], [], options({ isTailed: (p) => p.endsWith('.1') }))).toEqual([]);
    expect(names(await plan([done], [], options()))).toEqual(['app.log.1@1200']);
  });

  it('with a rotation while down, also reads unseen rotated files from 0, oldest first; not old ones, not copies of known files', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(`${file}.9`, lines(900, 910)); // rotated long before the checkpoint
    setMtime(`${file}.9`, 3600);
    fs.writeFileSync(file, lines(1, 100));
    const e = entryFor(file, 1200);
    const checkpointAt = BigInt(Date.now() - 60_000) * 1_000_000n;
    fs.appendFileSync(file, lines(101, 150));
    fs.renameSync(file, `${file}.3`); // the checkpointed file
    setMtime(`${file}.3`, 30);
    fs.writeFileSync(`${file}.2.gz`, gzipSync(lines(200, 300)));
    setMtime(`${file}.2.gz`, 20);
    fs.writeFileSync(`${file}.1`, lines(400, 500));
    setMtime(`${file}.1`, 10);
    fs.writeFileSync(file, lines(600, 700));
    fs.copyFileSync(file, `${file}.0`); // a copy of the live file (in progress): known content
    const live = fs.readFileSync(file);
    const known = [{ inode: 'live', fingerprint: hashBytes(live.subarray(0, FP)), fingerprintBytes: FP }];
    const o = options({ known, newerThanNs: checkpointAt });
    expect(names(await plan([e], [file], o))).toEqual(['app.log.3@1200', 'app.log.2.gz@0', 'app.log.1@0']);
    // Without a trigger (the file was found where it was), unseen files are not looked for.
    expect(names(await plan([e], [], o))).toEqual(['app.log.3@1200']);
  });

  it('names compressed files it cannot read', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, lines(1, 100));
    const e = entryFor(file, 1200);
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(`${file}.1.xz`, 'not really xz');
    const o = options();
    await plan([e], [file], o);
    expect(o.warnings.join('\n')).toMatch(/app\.log\.1\.xz may hold lines of .*app\.log .* only gzip-compressed files can be read/);
  });
});

describe('RecoveredFile', () => {
  const ctx = (records: string[]) => ({ maxRecordBytes: 1024, multiline: null, add: (_f: unknown, text: string, start: number, end: number) => records.push(`${text}@${start}-${end}`) });
  const identity = { dev: '1', ino: '2', fingerprint: 'f', fingerprintBytes: 1 };

  async function readAll(f: RecoveredFile): Promise<void> {
    const buf = Buffer.alloc(100);
    while ((await f.read(buf)) > 0);
    await f.close();
  }

  it('streams a gzip file from an offset to its end, and a plain one to a given end', async () => {
    const dir = tempDir();
    const gz = path.join(dir, 'a.gz');
    fs.writeFileSync(gz, gzipSync(lines(1, 2000)));
    const records: string[] = [];
    const start = 12 * 1990;
    const sample = hashBytes(Buffer.from(lines(1, 2000)).subarray(start - 64, start));
    await readAll(new RecoveredFile({ fileId: 'x', recordPath: 'p', path: gz, fh: await fs.promises.open(gz), gzip: true, tracker: new CommitTracker(start), start, sample, identity }, ctx(records)));
    expect(records).toEqual(Array.from({ length: 10 }, (_, i) => `line ${String(1991 + i).padStart(6, '0')}@${start + 12 * i}-${start + 12 * (i + 1)}`));

    const plain = path.join(dir, 'b');
    fs.writeFileSync(plain, lines(1, 10) + 'no newline');
    const r2: string[] = [];
    await readAll(new RecoveredFile({ fileId: 'x', recordPath: 'p', path: plain, fh: await fs.promises.open(plain), gzip: false, tracker: new CommitTracker(12), start: 12, end: 36, identity }, ctx(r2)));
    expect(r2).toEqual(['line 000002@12-24', 'line 000003@24-36']);
    const r3: string[] = [];
    await readAll(new RecoveredFile({ fileId: 'x', recordPath: 'p', path: plain, fh: await fs.promises.open(plain), gzip: false, tracker: new CommitTracker(108), start: 108, identity }, ctx(r3)));
    expect(r3).toEqual(['line 000010@108-120', 'no newline@120-130']);
  });

  it('hands out nothing when the bytes before the offset are not the expected ones', async () => {
    const dir = tempDir();
    const gz = path.join(dir, 'a.gz');
    fs.writeFileSync(gz, gzipSync(lines(1, 2000)));
    const records: string[] = [];
    const f = new RecoveredFile({ fileId: 'x', recordPath: 'p', path: gz, fh: await fs.promises.open(gz), gzip: true, tracker: new CommitTracker(0), start: 1200, sample: 'not it', identity }, ctx(records));
    await expect(readAll(f)).rejects.toBeInstanceOf(NotTheSameContent);
    await f.close();
    expect(records).toEqual([]);
  });
});
