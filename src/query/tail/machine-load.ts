import { cpus } from 'node:os';

/**
 * How often the machine's CPU use is sampled: a burst of producing lasts a second or two, and tails must step aside
 * within its first tenth; reading the CPU times costs some 30 µs.
 */
const SAMPLE_MS = 100;

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const t = times.user + times.nice + times.sys + times.irq + times.idle;
    total += t;
    busy += t - times.idle;
  }
  return { busy, total };
}

/**
 * The share (0–1) of all cores the machine spent busy over the last sampling interval, by anyone. Live tails read it
 * to step aside when producers (or anything else) saturate the machine: on a two-core workstation, the CPU that
 * sending records to tail clients and those clients' reading take comes straight out of what producing gets.
 */
export class MachineLoad {
  private last = cpuTimes();
  private lastAt = Date.now();
  private value = 0;

  busy(): number {
    const now = Date.now();
    if (now - this.lastAt >= SAMPLE_MS) {
      const t = cpuTimes();
      const total = t.total - this.last.total;
      if (total > 0) this.value = Math.min(1, Math.max(0, (t.busy - this.last.busy) / total));
      this.last = t;
      this.lastAt = now;
    }
    return this.value;
  }
}
