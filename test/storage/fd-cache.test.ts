import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CachedFile, FdCache } from '../../src/storage/fd-cache.js';
import { tempDir } from './helpers.js';

function files(n: number): CachedFile[] {
  const dir = tempDir();
  return Array.from({ length: n }, (_, i) => {
    const p = path.join(dir, `${i}.log`);
    fs.writeFileSync(p, `file ${i}`);
    return new CachedFile(p);
  });
}

function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('FdCache', () => {
  it('keeps at most `limit` idle fds, closing the least recently used', () => {
    const cache = new FdCache(2);
    const [a, b, c] = files(3);
    const fa = cache.fdSync(a!);
    cache.fdSync(b!);
    cache.fdSync(a!); // a is now the most recently used
    cache.fdSync(c!);
    expect(cache.open).toBe(2);
    expect(b!.fd).toBeNull();
    expect(a!.fd).toBe(fa);
    expect(c!.fd).not.toBeNull();
    // Reopened on demand.
    expect(fs.readFileSync(cache.fdSync(b!), 'utf8')).toBe('file 1');
    expect(cache.open).toBe(2);
    for (const f of [a, b, c]) cache.close(f!);
    expect(cache.open).toBe(0);
  });

  it('never closes a pinned fd, even when closed or over the limit', () => {
    const cache = new FdCache(1);
    const [a, b] = files(2);
    expect(cache.tryPin(a!)).toBe(true);
    const fd = a!.fd!;
    cache.fdSync(b!); // a synchronous user may go one over the limit, but cannot evict a
    expect(isOpen(fd)).toBe(true);
    cache.close(a!); // deferred while pinned
    expect(isOpen(fd)).toBe(true);
    cache.unpin(a!);
    expect(isOpen(fd)).toBe(false);
    expect(a!.fd).toBeNull();
    cache.close(b!);
    expect(cache.open).toBe(0);
  });

  it('makes pins wait for a free slot and hands slots over first come, first served', async () => {
    const cache = new FdCache(1);
    const [a, b, c] = files(3);
    expect(cache.tryPin(a!)).toBe(true);
    expect(cache.tryPin(b!)).toBe(false);
    const order: string[] = [];
    const pb = cache.pin(b!, () => true).then((ok) => order.push(`b ${ok}`));
    const pc = cache.pin(c!, () => true).then((ok) => order.push(`c ${ok}`));
    await tick();
    expect(order).toEqual([]);
    expect(cache.tryPin(a!)).toBe(true); // a second pin of an already pinned file needs no slot
    cache.unpin(a!);
    cache.unpin(a!);
    await pb;
    expect(order).toEqual(['b true']);
    expect(cache.open).toBe(1); // a was evicted to make room for b
    cache.unpin(b!);
    await pc;
    expect(order).toEqual(['b true', 'c true']);
    cache.unpin(c!);
    for (const f of [a, b, c]) cache.close(f!);
  });

  it('gives a slot on when the waiter no longer wants it', async () => {
    const cache = new FdCache(1);
    const [a, b, c] = files(3);
    cache.tryPin(a!);
    const pb = cache.pin(b!, () => false);
    const pc = cache.pin(c!, () => true);
    cache.unpin(a!);
    expect(await pb).toBe(false);
    expect(await pc).toBe(true);
    expect(b!.fd).toBeNull();
    cache.unpin(c!);
    for (const f of [a, b, c]) cache.close(f!);
  });

  it('counts withSlot users against the limit', async () => {
    const cache = new FdCache(1);
    const [a] = files(1);
    cache.fdSync(a!);
    let release!: () => void;
    const running = cache.withSlot(() => new Promise<void>((r) => (release = r)));
    await tick();
    expect(a!.fd).toBeNull(); // evicted to make room
    const pinned = cache.pin(a!, () => true);
    await tick();
    expect(a!.fd).toBeNull(); // waiting for the slot
    release();
    await running;
    expect(await pinned).toBe(true);
    cache.unpin(a!);
    cache.close(a!);
  });
});
