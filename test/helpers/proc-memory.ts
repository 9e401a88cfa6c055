// Memory of another process from /proc/<pid>/status (Linux): resident set now (VmRSS) and its peak (VmHWM).
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  rssBytes: number;
  peakRssBytes: number;
}

export function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/**
 * Samples `pid`'s RSS every `intervalMs` and SIGKILLs it once it passes `killAboveBytes`, so a test of a memory bug
 * fails without taking the machine down. stop() returns the largest RSS seen and whether it had to kill.
 */
export function watchMemory(pid: number, killAboveBytes: number, intervalMs = 25): { stop(): { maxRssBytes: number; killed: boolean } } {
  let maxRssBytes = 0;
  let killed = false;
  const timer = setInterval(() => {
    let rss: number;
    try {
      rss = procMemory(pid).rssBytes;
    } catch {
      return; // exited
    }
    maxRssBytes = Math.max(maxRssBytes, rss);
    if (rss > killAboveBytes && !killed) {
      killed = true;
      process.kill(pid, 'SIGKILL');
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { maxRssBytes, killed };
    },
  };
}
