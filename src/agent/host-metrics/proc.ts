// Parsers for the Linux /proc files host metrics come from. Pure functions of the file text, so they are tested on
// captured fixtures; formats per proc(5).

/** Jiffies per state, from a `cpu`/`cpuN` line of /proc/stat. guest/guest_nice are already inside user/nice. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export const CPU_STATES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** /proc/stat: "cpu" (all cores) and "cpu0".."cpuN". */
export function parseProcStat(text: string): Map<string, CpuTimes> {
  const cpus = new Map<string, CpuTimes>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const [name, ...rest] = line.trim().split(/\s+/);
    const n = rest.map(Number);
    cpus.set(name!, {
      user: n[0] ?? 0,
      nice: n[1] ?? 0,
      system: n[2] ?? 0,
      idle: n[3] ?? 0,
      iowait: n[4] ?? 0,
      irq: n[5] ?? 0,
      softirq: n[6] ?? 0,
      steal: n[7] ?? 0,
    });
  }
  return cpus;
}

/** /proc/meminfo as bytes per key ("MemTotal" → 25276510208). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return out;
}

export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable scheduling entities and all of them (threads included): "1/99". */
  running: number;
  threads: number;
}

export function parseLoadavg(text: string): LoadAvg {
  const [l1, l5, l15, rt] = text.trim().split(/\s+/);
  const [running, threads] = (rt ?? '0/0').split('/').map(Number);
  return { load1: Number(l1), load5: Number(l5), load15: Number(l15), running: running ?? 0, threads: threads ?? 0 };
}

/** /proc/uptime: seconds since boot. */
export function parseUptime(text: string): number {
  return Number(text.trim().split(/\s+/)[0]);
}

export interface Mount {
  device: string;
  mountPoint: string;
  fstype: string;
}

/** /proc/mounts escapes space, tab, newline and backslash in paths as octal (\040). */
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, fstype] = line.split(' ');
    if (device && mountPoint && fstype) out.push({ device: unescapeMount(device), mountPoint: unescapeMount(mountPoint), fstype });
  }
  return out;
}

/**
 * File systems that hold no disk space worth watching (kernel interfaces, memory, images that are always full), and
 * network ones, whose statfs can hang for minutes when the server is gone.
 */
export const SKIPPED_FILESYSTEMS = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'ramfs', 'cgroup', 'cgroup2', 'pstore', 'bpf', 'tracefs', 'debugfs',
  'securityfs', 'mqueue', 'hugetlbfs', 'configfs', 'fusectl', 'autofs', 'binfmt_misc', 'rpc_pipefs', 'nsfs', 'efivarfs',
  'selinuxfs', 'squashfs', 'iso9660', 'devfs', 'overlay', 'aufs', 'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'fuse.sshfs',
  'fuse.gvfsd-fuse', 'fuse.portal', 'fuse.lxcfs', 'afs', 'ceph', 'glusterfs',
]);

export interface DiskCounters {
  reads: number;
  readSectors: number;
  writes: number;
  writeSectors: number;
}

/** Devices that are not disks: loop devices, RAM disks, floppies, optical drives. */
const NOT_A_DISK = /^(loop|ram|zram|fd|sr)\d/;

/** /proc/diskstats: "major minor name reads merged sectors ms writes merged sectors ms …". Sectors are 512 bytes. */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || NOT_A_DISK.test(f[2]!)) continue;
    out.set(f[2]!, { reads: Number(f[3]), readSectors: Number(f[5]), writes: Number(f[7]), writeSectors: Number(f[9]) });
  }
  return out;
}

export interface NetCounters {
  bytesRecv: number;
  packetsRecv: number;
  errIn: number;
  dropIn: number;
  bytesSent: number;
  packetsSent: number;
  errOut: number;
  dropOut: number;
}

/** /proc/net/dev: two header lines, then "iface: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets errs drop …". */
export function parseNetDev(text: string): Map<string, NetCounters> {
  const out = new Map<string, NetCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out.set(name, {
      bytesRecv: f[0]!,
      packetsRecv: f[1]!,
      errIn: f[2]!,
      dropIn: f[3]!,
      bytesSent: f[8]!,
      packetsSent: f[9]!,
      errOut: f[10]!,
      dropOut: f[11]!,
    });
  }
  return out;
}
