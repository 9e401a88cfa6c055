import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, FileTailer, lastPositions } from '../../../src/collect/tail/index.js';
import { CheckpointWriter, loadCheckpoint, type CheckpointData } from '../../../src/collect/tail/checkpoint.js';
import { sleep } from '../../helpers/wait-until.js';
import { startTailer, tempDir, waitForValues } from './helpers.js';

describe('checkpoint', () => {
  it('is durable when commit() resolves: fileId → path, committed offset, fingerprint', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const checkpointFile = path.join(dir, 'state', 'checkpoint.json'); // its directory is created
    fs.writeFileSync(file, 'a\nb\n');
    const c = await startTailer({ globs: [file], checkpointFile }, { commit: false });
    await waitForValues(c, 2);
    await c.tailer.commit(lastPositions(c.records.slice(0, 1)));
    const data = (await loadCheckpoint(checkpointFile))!;
    const entry = data.files[c.records[0]!.position.fileId]!;
    const st = fs.statSync(file);
    expect(entry).toMatchObject({ path: file, offset: 2, fingerprintBytes: 4, dev: String(st.dev), ino: String(st.ino) });
    expect(entry.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect(fs.existsSync(`${checkpointFile}.tmp`)).toBe(false);
  });

  it('coalesces commits: a burst of requests shares a write or two', async () => {
    const dir = tempDir();
    let snapshots = 0;
    const w = new CheckpointWriter(path.join(dir, 'cp.json'), 50, async () => {
      snapshots++;
      await sleep(5);
      return { version: 1, files: {} } satisfies CheckpointData;
    }, () => {});
    const all = Array.from({ length: 100 }, () => w.request());
    await Promise.all(all);
    expect(snapshots).toBe(1);
    const more = [w.request(), w.request()];
    await Promise.all(more);
    expect(snapshots).toBe(2);
  });

  it('refuses to start on a damaged checkpoint and says what to do', async () => {
    const dir = tempDir();
    const checkpointFile = path.join(dir, 'cp.json');
    fs.writeFileSync(checkpointFile, '{"version":1,"files":{"x":{"path":');
    const t = new FileTailer({ globs: [path.join(dir, '*.log')], startAt: 'end', checkpointFile });
    await expect(t.start()).rejects.toThrow(CheckpointError);
    await expect(new FileTailer({ globs: [path.join(dir, '*.log')], startAt: 'end', checkpointFile }).start()).rejects.toThrow(/move .*cp\.json aside/);
  });

  it('rejects a commit when the checkpoint cannot be written, and logs why', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'a\n');
    const errors: string[] = [];
    const checkpointFile = path.join(dir, 'cp.json');
    const c = await startTailer({ globs: [file], checkpointFile, log: { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) } }, { commit: false });
    await waitForValues(c, 1);
    await sleep(100);
    fs.mkdirSync(`${checkpointFile}.tmp`); // the temp file cannot be created
    await expect(c.tailer.commit(lastPositions(c.records))).rejects.toThrow(/cannot write the tailer checkpoint/);
    expect(errors.join('\n')).toMatch(/check free space and permissions/);
    fs.rmdirSync(`${checkpointFile}.tmp`);
  });
});
