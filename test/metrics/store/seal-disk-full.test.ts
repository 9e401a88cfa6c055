// A seal pass on a full disk: it fails with one clear message, loses nothing (every point still answers from memory),
// leaves no temporary part behind, and seals everything once there is room again. The store's directory is a small
// tmpfs (root only; skipped elsewhere unless CI, where it must run).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mountTmpfs, unmountTmpfs } from '../../helpers/tmpfs.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { append, HOUR, openLogs, openStore, tempDir } from './helpers.js';

// Not tempDir(): its cleanup runs after each test, while the tmpfs is still mounted here.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-mfull-'));
const mnt = path.join(root, 'mnt');
fs.mkdirSync(mnt);

const mountProblem = mountTmpfs(mnt, '4m');
if (mountProblem && process.env.CI !== 'true') console.warn(`metrics disk-full test skipped: ${mountProblem}`);

afterAll(() => {
  if (!mountProblem) unmountTmpfs(mnt);
  fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

const tmpFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp')) : []);

describe.skipIf(mountProblem !== null && process.env.CI !== 'true')('metrics seal on a full disk', () => {
  it('fails once, clearly, keeps every point readable, leaves no temporary part, and seals all once there is room', async () => {
    expect(mountProblem).toBeNull();
    const logs = await openLogs(tempDir());
    const dir = path.join(mnt, '__metrics');
    const log = memoryLogger();
    // Lateness 2 h: the hour written below (3 h ago) is due, the current one is not.
    const store = await openStore(dir, logs, { latenessMs: 2 * HOUR }, log);
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    // 400 series, a point every 10 s through the hour, values that do not compress to nothing.
    const lines: string[] = [];
    for (let t = hour; t < hour + HOUR; t += 10_000) for (let s = 0; s < 400; s++) lines.push(`m,host=h${s} v=${(s * 7919 + t / 1000) % 1000.37} ${t}000000`);
    for (let i = 0; i < lines.length; i += 4_000) append(logs, 'metrics', [lines.slice(i, i + 4_000).join('\n')], { header: true });
    // Fill the disk before the store may write anything of the hour.
    const filler = path.join(mnt, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'pipe' });
    } catch {
      // dd ends with "No space left on device": the disk is full, as wanted
    }
    // Then some room back, less than the hour's raw part needs: the part's first frames are written, a later one fails.
    fs.truncateSync(filler, fs.statSync(filler).size - 48 * 1024);
    await store.caughtUp(60_000);
    await store.seal();
    const failed = log.lines.filter((l) => l.startsWith('error metrics: sealing hours'));
    expect(failed.length).toBe(1);
    expect(failed[0]).toMatch(/ENOSPC|no space/i);
    expect(tmpFiles(dir)).toEqual([]);
    const ids = store.select('m', 'v', []).map((s) => s.id);
    expect(ids.length).toBe(400);
    const count = () => store.readRawMany(ids, hour, hour + HOUR).reduce((a, p) => a + p.timestamps.length, 0);
    expect(count()).toBe(400 * 360);
    // Again while still full: no second message.
    await store.seal();
    expect(log.lines.filter((l) => l.startsWith('error metrics:')).length).toBe(1);
    // Room again: the next pass seals the hour, says so, and every point reads back from its part.
    fs.rmSync(filler);
    await store.seal();
    expect(log.lines.some((l) => l.includes('writes to') && l.includes('succeed again'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'raw', `${hour}.part`))).toBe(true);
    expect(count()).toBe(400 * 360);
    expect(store.stats()).toMatchObject({ pointsApplied: 400 * 360, latePoints: 0 });
    expect(tmpFiles(dir)).toEqual([]);
  }, 120_000);
});
