// The committed-offsets journal: durable across reopen, a torn or corrupt tail cut on load, compaction keeping exactly
// the live offsets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/common/logger.js';
import { OffsetStore, OffsetStoreUnavailable, type CommittedOffset } from '../../src/broker/groups/offset-store.js';

const FILE = 'consumer-offsets.log';
const dirs: string[] = [];
const stores: OffsetStore[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-offsets-'));
  dirs.push(d);
  return d;
}

function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: (m) => lines.push(`debug ${m}`), info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

function open(dir: string, log: Logger = captureLogger()): OffsetStore {
  const s = OffsetStore.open(dir, log);
  stores.push(s);
  return s;
}

function close(s: OffsetStore): void {
  s.close();
  stores.splice(stores.indexOf(s), 1);
}

const at = (offset: number, ts = 1_000): CommittedOffset => ({ offset, leaderEpoch: 0, metadata: `m${offset}`, commitTimestamp: ts });

describe('OffsetStore', () => {
  it('keeps commits, overwrites and deletions across a reopen', async () => {
    const dir = tempDir();
    const s = open(dir);
    await s.commit('g1', [
      { topic: 'a', partition: 0, offset: at(5) },
      { topic: 'a', partition: 1, offset: at(7) },
      { topic: 'b', partition: 0, offset: at(1) },
    ]);
    await s.commit('g1', [{ topic: 'a', partition: 0, offset: at(9, 2_000) }]);
    await s.commit('g2', [{ topic: 'a', partition: 0, offset: at(3) }]);
    await s.delete('g1', [{ topic: 'b', partition: 0 }]);
    await s.commit('g3', [{ topic: 'x', partition: 0, offset: at(1) }]);
    await s.deleteGroup('g3');
    close(s);

    const again = open(dir);
    expect(again.get('g1', 'a', 0)).toEqual({ offset: 9, leaderEpoch: 0, metadata: 'm9', commitTimestamp: 2_000 });
    expect(again.get('g1', 'a', 1)).toEqual(at(7));
    expect(again.get('g1', 'b', 0)).toBeUndefined();
    expect(again.get('g2', 'a', 0)).toEqual(at(3));
    expect(again.groups().sort()).toEqual(['g1', 'g2']);
    expect(again.list('g1').map((o) => `${o.topic}-${o.partition}@${o.offset.offset}`).sort()).toEqual(['a-0@9', 'a-1@7']);
  });

  it('keeps a null metadata and a commit that is not yet followed by close (the journal is fsynced per commit)', async () => {
    const dir = tempDir();
    const s = open(dir);
    await s.commit('g', [{ topic: 't', partition: 2, offset: { offset: 42, leaderEpoch: -1, metadata: null, commitTimestamp: 5 } }]);
    // No close(): a crash right after the acknowledgement must still find the commit.
    const copy = tempDir();
    fs.copyFileSync(path.join(dir, FILE), path.join(copy, FILE));
    expect(open(copy).get('g', 't', 2)).toEqual({ offset: 42, leaderEpoch: -1, metadata: null, commitTimestamp: 5 });
  });

  it.each([
    ['half a frame', (frame: Buffer) => frame.subarray(0, Math.floor(frame.length / 2))],
    ['a header only', (frame: Buffer) => frame.subarray(0, 8)],
    ['three stray bytes', () => Buffer.from([1, 2, 3])],
    ['garbage with a plausible length', () => Buffer.concat([Buffer.from([0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef]), Buffer.from('junk')])],
  ])('cuts %s appended after the last good entry, and keeps working', async (_name, tail) => {
    const dir = tempDir();
    const s = open(dir);
    await s.commit('g', [{ topic: 't', partition: 0, offset: at(10) }]);
    await s.commit('g', [{ topic: 't', partition: 1, offset: at(20) }]);
    close(s);
    const file = path.join(dir, FILE);
    const good = fs.readFileSync(file);
    // A whole extra frame to tear: commit it in a scratch store and take its journal.
    const scratch = tempDir();
    const other = open(scratch);
    await other.commit('g', [{ topic: 't', partition: 0, offset: at(99) }]);
    close(other);
    fs.appendFileSync(file, tail(fs.readFileSync(path.join(scratch, FILE))));

    const log = captureLogger();
    const reopened = open(dir, log);
    expect(fs.statSync(file).size).toBe(good.length);
    expect(log.lines.some((l) => /^warn .*cut \d+ bytes of a torn or corrupt tail/.test(l))).toBe(true);
    expect(reopened.get('g', 't', 0)).toEqual(at(10));
    expect(reopened.get('g', 't', 1)).toEqual(at(20));

    // New commits go after the cut and survive the next reopen.
    await reopened.commit('g', [{ topic: 't', partition: 0, offset: at(11) }]);
    close(reopened);
    const last = open(dir, captureLogger());
    expect(last.get('g', 't', 0)).toEqual(at(11));
    expect(last.get('g', 't', 1)).toEqual(at(20));
  });

  it('stops at an entry whose checksum does not match, even mid-file', async () => {
    const dir = tempDir();
    const s = open(dir);
    await s.commit('g', [{ topic: 't', partition: 0, offset: at(1) }]);
    const sizeAfterFirst = fs.statSync(path.join(dir, FILE)).size;
    await s.commit('g', [{ topic: 't', partition: 0, offset: at(2) }]);
    await s.commit('g', [{ topic: 't', partition: 0, offset: at(3) }]);
    close(s);
    const file = path.join(dir, FILE);
    const bytes = fs.readFileSync(file);
    bytes[sizeAfterFirst + 12] ^= 0xff; // inside the second entry's JSON body
    fs.writeFileSync(file, bytes);

    const reopened = open(dir);
    expect(reopened.get('g', 't', 0)).toEqual(at(1));
    expect(fs.statSync(file).size).toBe(sizeAfterFirst);
  });

  it('compacts a journal of mostly stale entries to the live offsets, which survive a reopen', async () => {
    const dir = tempDir();
    const s = open(dir);
    const file = path.join(dir, FILE);
    // 12,000 commits over 3 partitions of one group, plus one group deleted: far more entries than live offsets.
    for (let round = 0; round < 12; round++) {
      const commits = [];
      for (let i = 0; i < 1_000; i++) {
        const n = round * 1_000 + i;
        commits.push({ topic: 'busy', partition: n % 3, offset: at(n) });
      }
      await s.commit('g', commits);
    }
    await s.commit('gone', [{ topic: 'busy', partition: 0, offset: at(1) }]);
    await s.deleteGroup('gone');
    await s.commit('other', [{ topic: 'quiet', partition: 5, offset: at(77) }]);
    const before = fs.statSync(file).size;

    s.maybeCompact();
    const after = fs.statSync(file).size;
    expect(after).toBeLessThan(before / 100);
    expect(s.get('g', 'busy', 0)).toEqual(at(11_997));
    expect(s.get('g', 'busy', 1)).toEqual(at(11_998));
    expect(s.get('g', 'busy', 2)).toEqual(at(11_999));

    // Appends after compaction land in the new file.
    await s.commit('g', [{ topic: 'busy', partition: 0, offset: at(20_000) }]);
    close(s);

    const reopened = open(dir);
    expect(reopened.groups().sort()).toEqual(['g', 'other']);
    expect(reopened.get('g', 'busy', 0)).toEqual(at(20_000));
    expect(reopened.get('g', 'busy', 1)).toEqual(at(11_998));
    expect(reopened.get('g', 'busy', 2)).toEqual(at(11_999));
    expect(reopened.get('other', 'quiet', 5)).toEqual(at(77));
    expect(reopened.list('gone')).toEqual([]);
    expect(fs.existsSync(`${file}.compact`)).toBe(false);
  });

  it('does not compact a small journal', async () => {
    const dir = tempDir();
    const s = open(dir);
    for (let i = 0; i < 50; i++) await s.commit('g', [{ topic: 't', partition: 0, offset: at(i) }]);
    const before = fs.statSync(path.join(dir, FILE)).size;
    s.maybeCompact();
    expect(fs.statSync(path.join(dir, FILE)).size).toBe(before);
  });

  it('shows a commit to readers only once it is durable', async () => {
    const dir = tempDir();
    const s = open(dir);
    await s.commit('g', [{ topic: 't', partition: 0, offset: at(5) }]);
    // Hold the next fsync until the test lets it complete.
    const realFsync = fs.fsync;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      void held.then(() => realFsync(fd, cb));
    }) as typeof fs.fsync);
    const committing = s.commit('g', [{ topic: 't', partition: 0, offset: at(6) }, { topic: 't', partition: 1, offset: at(1) }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Written, not yet fsynced: a power cut now could lose it, so nobody may read it yet.
    expect(s.get('g', 't', 0)).toEqual(at(5));
    expect(s.get('g', 't', 1)).toBeUndefined();
    expect(s.list('g').map((o) => o.offset.offset)).toEqual([5]);
    release();
    await committing;
    expect(s.get('g', 't', 0)).toEqual(at(6));
    expect(s.get('g', 't', 1)).toEqual(at(1));
  });

  it('deletes a commit that is written but not yet durable (a delete does not miss what it cannot see yet)', async () => {
    const dir = tempDir();
    const s = open(dir);
    const commit = s.commit('g', [{ topic: 't', partition: 0, offset: at(5) }]);
    const del = s.deleteGroup('g');
    await Promise.all([commit, del]);
    expect(s.groups()).toEqual([]);
    close(s);
    expect(open(dir).groups()).toEqual([]);
  });

  it('treats a failed fsync as fatal: the commit fails, later commits fail at once without another fsync, logged once', async () => {
    const dir = tempDir();
    const log = captureLogger();
    const s = open(dir, log);
    await s.commit('g', [{ topic: 't', partition: 0, offset: at(5) }]);
    const realFsync = fs.fsync;
    const fsyncs = vi.spyOn(fs, 'fsync').mockImplementationOnce(((_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })));
    }) as typeof fs.fsync);
    fsyncs.mockImplementation(realFsync);
    // Two commits share the failing fsync; a third arrives while it runs and waits for the next one.
    const first = s.commit('g', [{ topic: 't', partition: 0, offset: at(6) }]);
    const second = s.commit('g', [{ topic: 't', partition: 0, offset: at(7) }]);
    const results = await Promise.allSettled([first, second]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(OffsetStoreUnavailable);
      expect((r as PromiseRejectedResult).reason.fatal).toBe(true);
    }
    const callsAfterFailure = fsyncs.mock.calls.length;
    for (let i = 0; i < 3; i++) {
      await expect(s.commit('g', [{ topic: 't', partition: 0, offset: at(10 + i) }])).rejects.toThrow(/refused until Tributary is restarted/);
    }
    await expect(s.delete('g', [{ topic: 't', partition: 0 }])).rejects.toBeInstanceOf(OffsetStoreUnavailable);
    expect(fsyncs.mock.calls.length).toBe(callsAfterFailure); // never retried
    expect(s.failed).toBe(true);
    expect(s.get('g', 't', 0)).toEqual(at(5)); // what failed was never shown
    expect(log.lines.filter((l) => l.startsWith('error ')).length).toBe(1);
    expect(log.lines.find((l) => l.startsWith('error '))).toMatch(/fsync of .*consumer-offsets\.log failed \(EIO/);
  });

  it('cuts a failed write (disk full) back off the journal, fails only that commit and goes on', async () => {
    const dir = tempDir();
    const s = open(dir);
    await s.commit('g', [{ topic: 't', partition: 0, offset: at(5) }]);
    const file = path.join(dir, FILE);
    const size = fs.statSync(file).size;
    const realWrite = fs.writeSync;
    // The write gets half of its bytes onto the disk, then the disk is full.
    vi.spyOn(fs, 'writeSync').mockImplementationOnce(((fd: number, buf: Uint8Array, off?: number, len?: number, pos?: number | null) => {
      const half = Math.floor((len ?? buf.length) / 2);
      (realWrite as (...a: unknown[]) => number)(fd, buf, off ?? 0, half, pos ?? null);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as unknown as typeof fs.writeSync);
    const failed = s.commit('g', [{ topic: 't', partition: 0, offset: at(6) }]);
    await expect(failed).rejects.toBeInstanceOf(OffsetStoreUnavailable);
    await expect(failed).rejects.toMatchObject({ fatal: false });
    expect(fs.statSync(file).size).toBe(size);
    expect(s.failed).toBe(false);
    await s.commit('g', [{ topic: 't', partition: 0, offset: at(7) }]);
    close(s);
    const log = captureLogger();
    const again = open(dir, log);
    expect(again.get('g', 't', 0)).toEqual(at(7));
    expect(log.lines.some((l) => l.includes('torn'))).toBe(false);
  });

  it('keeps topic ids and forgets only the offsets of the deleted topic id', async () => {
    const dir = tempDir();
    const s = open(dir);
    await s.commit('g', [{ topic: 't', partition: 0, offset: { ...at(5), topicId: 'old-id' } }]);
    await s.commit('h', [{ topic: 't', partition: 0, offset: { ...at(9), topicId: 'new-id' } }]);
    await s.forgetTopic('t', 'new-id');
    expect(s.get('g', 't', 0)).toBeUndefined();
    expect(s.get('h', 't', 0)).toEqual({ ...at(9), topicId: 'new-id' });
    close(s);
    expect(open(dir).get('h', 't', 0)).toEqual({ ...at(9), topicId: 'new-id' });
  });
});
