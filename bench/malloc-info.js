// BENCH_MALLOC_INFO=1 (Linux/glibc, gcc installed): what glibc's malloc holds in the live broker. The broker runs with
// bench/malloc-info.c preloaded, which writes malloc_info on request: per arena, the bytes malloc has from the system
// and how many of them are free chunks it keeps. RSS that is free in glibc's main (brk) arena is fragmentation, not
// live data, and only malloc itself can tell the two apart. With `trim`, malloc_trim(0) follows (it returns every
// free page of every arena, not only the top) and the VmRSS drop is reported.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMemory } from './broker.js';

const SOURCE = fileURLToPath(new URL('malloc-info.c', import.meta.url));

/** The environment that preloads the probe into a child, built into dir (null when gcc fails or not on Linux). */
export function mallocInfoEnv(dir) {
  if (process.platform !== 'linux') return null;
  mkdirSync(dir, { recursive: true });
  const so = join(dir, 'malloc-info.so');
  const r = spawnSync('gcc', ['-O2', '-shared', '-fPIC', '-o', so, SOURCE, '-lpthread'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`  BENCH_MALLOC_INFO: gcc could not build the probe (${r.error?.message ?? r.stderr.trim()})`);
    return null;
  }
  return { LD_PRELOAD: so, MI_DIR: dir };
}

/** Sums of malloc_info's XML: per arena { nr, systemBytes, freeBytes, freeChunks }, and the mmapped chunks. */
export function parseMallocInfo(xml) {
  const arenas = [];
  for (const m of xml.matchAll(/<heap nr="(\d+)">([\s\S]*?)<\/heap>/g)) {
    // fast and rest are the free chunks the arena keeps; current is what it has from the system.
    const total = (type) => /count="(\d+)" size="(\d+)"/.exec(new RegExp(`<total type="${type}"[^>]*>`).exec(m[2])?.[0] ?? '') ?? [0, 0, 0];
    const fast = total('fast');
    const rest = total('rest');
    arenas.push({
      nr: Number(m[1]),
      systemBytes: Number(/<system type="current" size="(\d+)"/.exec(m[2])?.[1] ?? 0),
      freeBytes: Number(fast[2]) + Number(rest[2]),
      freeChunks: Number(fast[1]) + Number(rest[1]),
    });
  }
  const tail = xml.slice(xml.lastIndexOf('</heap>'));
  const mmap = /<total type="mmap" count="(\d+)" size="(\d+)"/.exec(tail);
  return { arenas, mmapChunks: Number(mmap?.[1] ?? 0), mmapBytes: Number(mmap?.[2] ?? 0) };
}

/** malloc_info of broker `pid` preloaded with the probe (with trim: VmRSS before and after malloc_trim(0)); null when it does not answer. */
export async function mallocInfo(dir, pid, { trim = false, timeoutMs = 10_000 } = {}) {
  const seq = (mallocInfo.seq = (mallocInfo.seq ?? new Map())).get(pid) ?? 0;
  mallocInfo.seq.set(pid, seq + 1);
  const rssBefore = readMemory(pid)?.rss ?? null;
  writeFileSync(join(dir, `trigger-${pid}`), trim ? 'trim' : 'info');
  const done = join(dir, `done-${pid}-${seq}`);
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(done)) {
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
  const file = join(dir, `info-${pid}-${seq}.xml`);
  const info = parseMallocInfo(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  rmSync(done, { force: true });
  if (trim) info.trim = { rssBefore, rssAfter: readMemory(pid)?.rss ?? null };
  return info;
}
