import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/*
 * Small files that must never be seen half-written (metadata, checkpoints, markers):
 * write a temp file, fsync it, rename over the target, fsync the directory so the rename
 * itself survives a power loss.
 */

export function writeFullySync(fd: number, data: Uint8Array, position: number | null = null): void {
  let done = 0;
  while (done < data.length) {
    done += fs.writeSync(fd, data, done, data.length - done, position === null ? null : position + done);
  }
}

export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    // Windows cannot open or fsync a directory; its rename is journaled by NTFS instead.
    if (process.platform !== 'win32') throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (err) {
    if (process.platform !== 'win32') throw err;
  } finally {
    await fh?.close();
  }
}

/** `mode`: the new file's permissions (0o600 for secrets), set before any byte is written, whatever the umask. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', options.mode ?? 0o666);
  try {
    if (options.mode !== undefined) fs.fchmodSync(fd, options.mode);
    writeFullySync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true }); // a half-written temp file only takes space (a full disk)
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  fsyncDirSync(path.dirname(file));
}

/** Async twin for files rewritten from timers, so a slow disk never stalls the event loop. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomicStreamed(file, (write) => write(typeof data === 'string' ? Buffer.from(data) : data));
}

/**
 * writeFileAtomic for a file written piece by piece: `fill` calls `write` with each piece in order (a large file is
 * then never assembled in memory). Returns the bytes written.
 */
export async function writeFileAtomicStreamed(file: string, fill: (write: (data: Uint8Array) => Promise<void>) => Promise<void>): Promise<number> {
  const tmp = `${file}.tmp`;
  const fh = await fsp.open(tmp, 'w');
  let size = 0;
  try {
    await fill(async (data) => {
      for (let done = 0; done < data.length; ) done += (await fh.write(data, done, data.length - done)).bytesWritten;
      size += data.length;
    });
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await fsp.rename(tmp, file);
  await fsyncDir(path.dirname(file));
  return size;
}
