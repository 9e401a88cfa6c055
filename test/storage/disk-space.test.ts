// The free-space check that warns before the disk is full: below 5 % or 1 GiB free (whichever is more), once per
// crossing, and a line when there is room again. statfs is faked so the thresholds can be checked on any disk.
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiskSpace } from '../../src/storage/disk-space.js';
import { captureLogger } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const GiB = 1024 ** 3;

/** statfs reports a file system of `size` bytes with `free` available, in 4 KiB blocks. */
function fakeStatfs(disk: { size: number; free: number }): void {
  vi.spyOn(fs, 'statfs').mockImplementation(((_p: fs.PathLike, cb: (err: NodeJS.ErrnoException | null, s: fs.StatsFs) => void) => {
    setImmediate(() => cb(null, { type: 0, bsize: 4096, blocks: disk.size / 4096, bfree: disk.free / 4096, bavail: disk.free / 4096, files: 0, ffree: 0 } as fs.StatsFs));
  }) as unknown as typeof fs.statfs);
}

describe('DiskSpace', () => {
  it.each([
    // [file system size, free space that is still fine, free space that warns]
    ['a 16 GiB disk warns below 1 GiB', 16 * GiB, 1.1 * GiB, 0.9 * GiB],
    ['a 1 TiB disk warns below 5 %', 1024 * GiB, 52 * GiB, 50 * GiB],
  ])('%s, once per crossing, and says when there is room again', async (_name, size, fine, low) => {
    const disk = { size, free: Math.floor(fine / 4096) * 4096 };
    fakeStatfs(disk);
    const logger = captureLogger();
    const space = new DiskSpace('/data', logger);
    await space.check();
    expect(logger.lines).toEqual([]);
    disk.free = Math.floor(low / 4096) * 4096;
    await space.check();
    await space.check();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/^warn the disk of \/data is nearly full: .* free of .*KAFKA_STORAGE_ERROR/);
    disk.free = Math.floor(fine / 4096) * 4096;
    await space.check();
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]).toMatch(/^info the disk of \/data has room again/);
  });

  it('logs one error when writes start failing and one line when they work again', () => {
    fakeStatfs({ size: 16 * GiB, free: 8 * GiB });
    const logger = captureLogger();
    const space = new DiskSpace('/data', logger);
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    for (let i = 0; i < 1000; i++) space.writeFailed('appending to t-0', err);
    expect(space.failing).toBe(true);
    space.writeSucceeded();
    space.writeSucceeded();
    expect(space.failing).toBe(false);
    expect(logger.lines.map((l) => l.split(' ')[0])).toEqual(['error', 'info']);
    expect(logger.lines[0]).toContain('appending to t-0 failed: ENOSPC: no space left on device, write; the disk is full');
  });
});
