// The core's glibc malloc settings: which a launcher adds, and (on Linux with glibc) that glibc does with them what
// src/common/malloc-env.ts says — measured in a real Node process from /proc/self/smaps.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CORE_MALLOC_ENV, missingCoreMallocEnv, withCoreMallocEnv } from '../../src/common/malloc-env.js';

// Frees a 16 MiB buffer (mmapped: above the initial 128 KiB threshold; V8 frees it after a GC, so the probe waits until
// RSS shows it gone), then keeps a hundred 256 KiB ones, and prints how much glibc's brk heap ([heap]) grew meanwhile.
const PROBE = `
const fs = require('node:fs');
const heap = () => { let r = 0, cur = false; for (const l of fs.readFileSync('/proc/self/smaps', 'utf8').split('\\n')) { if (/^[0-9a-f]+-/.test(l)) cur = l.endsWith('[heap]'); else if (cur && l.startsWith('Rss:')) r += Number(l.split(/\\s+/)[1]) * 1024; } return r; };
const anon = () => Number(/RssAnon:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
let big = Buffer.allocUnsafeSlow(16 << 20); big.fill(1); const a0 = anon(); big = null;
const deadline = Date.now() + 5000;
(function wait() {
  gc();
  if (a0 - anon() < 12 << 20 && Date.now() < deadline) return void setTimeout(wait, 20);
  const h0 = heap(); const keep = [];
  for (let i = 0; i < 100; i++) { const b = Buffer.allocUnsafeSlow(256 << 10); b.fill(2); keep.push(b); }
  process.stdout.write(String(heap() - h0));
})();
`;

function brkGrowth(env: NodeJS.ProcessEnv): number {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', PROBE], { env, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return Number(r.stdout);
}

function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(CORE_MALLOC_ENV)) delete env[k];
  delete env.GLIBC_TUNABLES;
  return env;
}

const glibc = process.platform === 'linux' && Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

describe('core malloc settings', () => {
  it('adds what the environment lacks, keeps the user’s own values, adds nothing when opted out', () => {
    const plain = plainEnv();
    expect(missingCoreMallocEnv(plain)).toEqual(CORE_MALLOC_ENV);
    expect(withCoreMallocEnv({ ...plain, PATH: '/x' })).toEqual({ ...plain, PATH: '/x', ...CORE_MALLOC_ENV });
    const own = Object.fromEntries(Object.keys(CORE_MALLOC_ENV).map((k) => [k, '999']));
    expect(missingCoreMallocEnv({ ...plain, ...own })).toEqual({});
    expect(withCoreMallocEnv({ ...plain, ...own })).toEqual({ ...plain, ...own });
    expect(missingCoreMallocEnv({ ...plain, TRIBUTARY_MALLOC_ENV: '0' })).toEqual({});
  });

  it.skipIf(!glibc)('keeps large buffers out of the brk heap after a larger one was freed (glibc)', () => {
    const mib = 2 ** 20;
    // Without: the freed 16 MiB chunk raised the mmap threshold, so the 25 MiB of 256 KiB buffers went to the brk heap.
    expect(brkGrowth(plainEnv())).toBeGreaterThan(20 * mib);
    // With: they are mmapped, each on its own, and go back to the system when freed.
    expect(brkGrowth(withCoreMallocEnv(plainEnv()))).toBeLessThan(2 * mib);
  });
});
