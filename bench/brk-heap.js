// glibc's main heap as /proc sees it, for the in-process metrics benches (metrics-store.js, seal-memory.js).
import fs from 'node:fs';

/** RSS of glibc's main heap ([heap], grown by brk): freed malloc memory stays here unless it is at the top. */
export function brkHeapRss() {
  try {
    const smaps = fs.readFileSync('/proc/self/smaps', 'utf8');
    const at = smaps.indexOf('[heap]');
    return at < 0 ? 0 : Number(/Rss:\s+(\d+) kB/.exec(smaps.slice(at))[1]) * 1024;
  } catch {
    return 0;
  }
}
