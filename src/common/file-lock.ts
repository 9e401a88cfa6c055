import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * Read-modify-write of a small shared file (DATA/acls.json) by several processes at once (the broker answering
 * CreateAcls, `tributary acls add` beside it): the change runs while `<file>.lock` exists, created exclusively, so no
 * change is lost. A lock older than a minute was left by a process that died mid-change (a change takes milliseconds).
 */

const STALE_LOCK_MS = 60_000;

export class FileLockBusyError extends Error {
  constructor(readonly lockFile: string) {
    super(`${lockFile} is held by another process changing the same file; try again (delete it if no such process runs)`);
    this.name = 'FileLockBusyError';
  }
}

export async function withFileLock<T>(file: string, body: () => Promise<T> | T, waitMs = 10_000): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + waitMs;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new FileLockBusyError(lock);
      await sleep(20);
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
