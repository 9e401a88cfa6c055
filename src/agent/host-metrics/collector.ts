// Host metrics as line-protocol points, one per measurement (and per core, mount, device, interface) per tick.
// CPU usage and I/O rates are deltas between two ticks, so the first tick has none of them. On Linux everything comes
// from /proc and statfs; elsewhere a portable subset comes from node:os (cpu, mem, system, disk of the root).
import { readdir, readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { parse as parsePath } from 'node:path';
import { integer, msToNs, type FieldInput, type Point } from '../../collect/line-protocol/index.js';
import {
  CPU_STATES,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
  parseUptime,
  SKIPPED_FILESYSTEMS,
  type CpuTimes,
  type DiskCounters,
  type NetCounters,
} from './proc.js';

export interface CollectorOptions {
  /** Tag `host` on every point. */
  host: string;
  /** Where /proc is (tests point it at fixtures). */
  procRoot?: string;
  /** Use /proc (Linux) or node:os. Default: by process.platform. */
  source?: 'proc' | 'os';
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const percent = (part: number, whole: number): number => (whole > 0 ? round2((100 * part) / whole) : 0);

/** Usage % per CPU state between two samples; null if no time passed or a counter went backwards (reset). */
function cpuUsage(prev: CpuTimes, cur: CpuTimes): Record<string, FieldInput> | null {
  let total = 0;
  const delta: Record<string, number> = {};
  for (const s of CPU_STATES) {
    const d = cur[s] - prev[s];
    if (d < 0) return null;
    delta[s] = d;
    total += d;
  }
  if (total <= 0) return null;
  const fields: Record<string, FieldInput> = {};
  for (const s of CPU_STATES) fields[`usage_${s}`] = percent(delta[s]!, total);
  fields.usage_active = percent(total - delta.idle! - delta.iowait!, total);
  return fields;
}

/** Per-second rates of counters between two samples; null after a counter reset. */
function rates<T extends object>(prev: T, cur: T, seconds: number, names: Record<string, keyof T>): Record<string, FieldInput> | null {
  const out: Record<string, FieldInput> = {};
  for (const [field, key] of Object.entries(names)) {
    const d = (cur[key] as number) - (prev[key] as number);
    if (d < 0 || seconds <= 0) return null;
    out[field] = round2(d / seconds);
  }
  return out;
}

interface Previous {
  at: number;
  cpus: Map<string, CpuTimes>;
  disks: Map<string, DiskCounters>;
  nets: Map<string, NetCounters>;
}

export class HostMetricsCollector {
  private readonly procRoot: string;
  private readonly source: 'proc' | 'os';
  private previous: Previous | null = null;

  constructor(private readonly options: CollectorOptions) {
    this.procRoot = options.procRoot ?? '/proc';
    this.source = options.source ?? (process.platform === 'linux' ? 'proc' : 'os');
  }

  /** One tick's points, timestamped `nowMs`. */
  async collect(nowMs: number): Promise<Point[]> {
    const points = this.source === 'proc' ? await this.fromProc() : await this.fromOs();
    const ts = msToNs(nowMs);
    for (const p of points) p.timestampNs = ts;
    return points;
  }

  private tags(extra: Record<string, string> = {}): Record<string, string> {
    return { host: this.options.host, ...extra };
  }

  private async read(name: string): Promise<string> {
    return readFile(`${this.procRoot}/${name}`, 'utf8');
  }

  private async fromProc(): Promise<Point[]> {
    const [stat, meminfo, loadavg, uptime, mounts, diskstats, netdev] = await Promise.all(
      ['stat', 'meminfo', 'loadavg', 'uptime', 'mounts', 'diskstats', 'net/dev'].map((f) => this.read(f).catch(() => '')),
    );
    const points: Point[] = [];
    const at = performance.now();
    const cpus = parseProcStat(stat!);
    const disks = parseDiskstats(diskstats!);
    const nets = parseNetDev(netdev!);
    const prev = this.previous;
    const seconds = prev ? (at - prev.at) / 1000 : 0;

    if (prev) {
      for (const [name, cur] of cpus) {
        const before = prev.cpus.get(name);
        const fields = before && cpuUsage(before, cur);
        if (fields) points.push({ measurement: 'cpu', tags: this.tags({ cpu: name === 'cpu' ? 'total' : name }), fields });
      }
    }

    const mem = parseMeminfo(meminfo!);
    const total = mem.get('MemTotal') ?? 0;
    if (total > 0) {
      const free = mem.get('MemFree') ?? 0;
      const available = mem.get('MemAvailable') ?? free;
      const used = total - available;
      points.push({
        measurement: 'mem',
        tags: this.tags(),
        fields: {
          total: integer(total),
          available: integer(available),
          used: integer(used),
          free: integer(free),
          buffers: integer(mem.get('Buffers') ?? 0),
          cached: integer(mem.get('Cached') ?? 0),
          used_percent: percent(used, total),
          available_percent: percent(available, total),
        },
      });
      const swapTotal = mem.get('SwapTotal') ?? 0;
      const swapFree = mem.get('SwapFree') ?? 0;
      points.push({
        measurement: 'swap',
        tags: this.tags(),
        fields: { total: integer(swapTotal), used: integer(swapTotal - swapFree), free: integer(swapFree), used_percent: percent(swapTotal - swapFree, swapTotal) },
      });
    }

    if (loadavg) {
      const load = parseLoadavg(loadavg);
      points.push({
        measurement: 'system',
        tags: this.tags(),
        fields: {
          load1: load.load1,
          load5: load.load5,
          load15: load.load15,
          n_cpus: integer(Math.max(1, cpus.size - 1)),
          n_procs: integer(await this.processCount(load.threads)),
          uptime: integer(Math.floor(uptime ? parseUptime(uptime) : os.uptime())),
        },
      });
    }

    points.push(...(await this.diskSpace(parseMounts(mounts!).filter((m) => !SKIPPED_FILESYSTEMS.has(m.fstype)))));

    if (prev) {
      for (const [device, cur] of disks) {
        const before = prev.disks.get(device);
        const r = before && rates(before, cur, seconds, { reads: 'reads', writes: 'writes', read_bytes: 'readSectors', write_bytes: 'writeSectors' });
        if (!r) continue;
        r.read_bytes = round2((r.read_bytes as number) * 512);
        r.write_bytes = round2((r.write_bytes as number) * 512);
        points.push({ measurement: 'diskio', tags: this.tags({ name: device }), fields: r });
      }
      for (const [iface, cur] of nets) {
        const before = prev.nets.get(iface);
        const r =
          before &&
          rates(before, cur, seconds, {
            bytes_recv: 'bytesRecv',
            bytes_sent: 'bytesSent',
            packets_recv: 'packetsRecv',
            packets_sent: 'packetsSent',
            err_in: 'errIn',
            err_out: 'errOut',
            drop_in: 'dropIn',
            drop_out: 'dropOut',
          });
        if (r) points.push({ measurement: 'net', tags: this.tags({ interface: iface }), fields: r });
      }
    }
    this.previous = { at, cpus, disks, nets };
    return points;
  }

  /** Processes: the numeric directories of /proc; the kernel's thread count if /proc cannot be listed. */
  private async processCount(threads: number): Promise<number> {
    try {
      let n = 0;
      for (const name of await readdir(this.procRoot)) if (/^\d+$/.test(name)) n++;
      return n;
    } catch {
      return threads;
    }
  }

  /** Space per mounted file system (once per mount point), as df reports it: free = available to non-root users. */
  private async diskSpace(mounts: Array<{ device: string; mountPoint: string; fstype: string }>): Promise<Point[]> {
    const seen = new Set<string>();
    const points: Point[] = [];
    for (const m of mounts) {
      if (seen.has(m.mountPoint)) continue;
      seen.add(m.mountPoint);
      let s;
      try {
        s = await statfs(m.mountPoint);
      } catch {
        continue; // unmounted meanwhile, or not ours to read
      }
      if (s.blocks === 0) continue;
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      const used = (s.blocks - s.bfree) * s.bsize;
      points.push({
        measurement: 'disk',
        tags: this.tags({ path: m.mountPoint, device: m.device, fstype: m.fstype }),
        fields: {
          total: integer(total),
          used: integer(used),
          free: integer(free),
          used_percent: percent(used, used + free),
          inodes_total: integer(s.files),
          inodes_free: integer(s.ffree),
          inodes_used: integer(Math.max(0, s.files - s.ffree)),
        },
      });
    }
    return points;
  }

  /** The portable subset: CPU from os.cpus() times, memory, load and uptime from os, disk space of the root. */
  private async fromOs(): Promise<Point[]> {
    const at = performance.now();
    const cpus = new Map<string, CpuTimes>();
    const sum: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
    os.cpus().forEach((c, i) => {
      const t: CpuTimes = { user: c.times.user, nice: c.times.nice, system: c.times.sys, idle: c.times.idle, iowait: 0, irq: c.times.irq, softirq: 0, steal: 0 };
      cpus.set(`cpu${i}`, t);
      for (const s of CPU_STATES) sum[s] += t[s];
    });
    cpus.set('cpu', sum);
    const points: Point[] = [];
    const prev = this.previous;
    if (prev) {
      for (const [name, cur] of cpus) {
        const before = prev.cpus.get(name);
        const fields = before && cpuUsage(before, cur);
        if (fields) points.push({ measurement: 'cpu', tags: this.tags({ cpu: name === 'cpu' ? 'total' : name }), fields });
      }
    }
    const total = os.totalmem();
    const free = os.freemem();
    points.push({
      measurement: 'mem',
      tags: this.tags(),
      fields: { total: integer(total), available: integer(free), used: integer(total - free), free: integer(free), used_percent: percent(total - free, total), available_percent: percent(free, total) },
    });
    const [load1, load5, load15] = os.loadavg();
    points.push({
      measurement: 'system',
      tags: this.tags(),
      fields: { load1: load1!, load5: load5!, load15: load15!, n_cpus: integer(Math.max(1, cpus.size - 1)), uptime: integer(Math.floor(os.uptime())) },
    });
    const root = parsePath(process.cwd()).root;
    points.push(...(await this.diskSpace([{ device: root, mountPoint: root, fstype: 'unknown' }])));
    this.previous = { at, cpus, disks: new Map(), nets: new Map() };
    return points;
  }
}
