// Deterministic host metrics in InfluxDB line protocol for the metrics benchmark, shaped like our agent's host metrics
// (src/agent/host-metrics/: measurement, field and tag names) and Telegraf's inputs.cpu/mem/swap/system/disk/diskio/net:
// CPU usage from integer jiffies (so 1–2 decimals, as /proc gives them), memory and disk space as integer bytes in
// kB/page granularity, load averages with 2 decimals, diskio and net as counters that only grow and reset when a host
// reboots (Telegraf's shape; the agent sends rates). Timestamps are in ns: even hosts are Telegraf-like (exactly on the
// 10 s tick), odd hosts agent-like (a fixed phase plus a few ms of timer jitter).
//
// Two shapes:
//   host     every host every tick: cpu-total + one line per core (cores 4, 8, 8, 16 in turn: 40 cpu series per 4
//            hosts, so 100 hosts give exactly 1,000 cpu/usage_user series), mem, swap, system, 2 disks, 2 diskio
//            devices, 1 net interface: 18 lines and 146 samples per host and tick on average.
//   archive  a lower-cost week: the same 1,000-per-100-hosts cpu series, tagged fleet=archive, with usage_user and
//            usage_system only, at a coarser interval.
import { closeSync, openSync, writeSync } from 'node:fs';

/** Cores of host i: 5 + 9 + 9 + 17 cpu series (total + cores) per 4 hosts = 10 per host. */
const CORES = [4, 8, 8, 16];
const ROLES = ['web', 'api', 'db', 'cache', 'worker'];
const FLUSH_CHARS = 1 << 20;
const DAY_MS = 86_400_000;

/** A small deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round2 = (x) => Math.round(x * 100) / 100;
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const pct = (part, whole) => (whole > 0 ? round2((100 * part) / whole) : 0);

export function hostName(i) {
  return `${ROLES[i % ROLES.length]}-${String(i + 1).padStart(3, '0')}`;
}

function newHost(i, r) {
  const cores = CORES[i % CORES.length];
  const memKb = [16_318_412, 32_856_400, 65_842_108][i % 3];
  const disks = [
    { path: '/', device: i % 2 ? 'nvme0n1p1' : 'vda1', fstype: 'ext4', total: 100 * 2 ** 30, inodes: 6_553_600 },
    { path: '/data', device: i % 2 ? 'nvme1n1' : 'vdb', fstype: 'xfs', total: 500 * 2 ** 30, inodes: 262_144_000 },
  ];
  return {
    name: hostName(i),
    cores,
    phaseMs: i % 2 ? Math.floor(r() * 10_000) : 0,
    jitter: i % 2 === 1,
    mu: 0.05 + r() * 0.5,
    dayPhase: r() * 2 * Math.PI,
    load: 0.2,
    load1: 1,
    load5: 1,
    load15: 1,
    memTotal: memKb * 1024,
    availKb: Math.floor(memKb * (0.4 + r() * 0.4)),
    cachedKb: Math.floor(memKb * 0.2),
    buffersKb: Math.floor(memKb * 0.02),
    swapTotal: i % 3 === 0 ? 2 * 2 ** 30 : 0,
    swapUsedKb: 0,
    procs: 180 + Math.floor(r() * 200),
    uptime: Math.floor(r() * 30 * 86_400),
    disks: disks.map((d) => ({ ...d, used: Math.floor(d.total * (0.2 + r() * 0.5) / 4096) * 4096, inodesUsed: Math.floor(d.inodes * 0.05 * (1 + r())) })),
    io: (i % 2 ? ['nvme0n1', 'nvme1n1'] : ['sda', 'sdb']).map((name) => ({ name, reads: 0, writes: 0, readBytes: 0, writeBytes: 0, readTime: 0, writeTime: 0, ioTime: 0 })),
    net: { bytesRecv: 0, bytesSent: 0, packetsRecv: 0, packetsSent: 0, errIn: 0, errOut: 0, dropIn: 0, dropOut: 0 },
  };
}

/** Counters start from a random point of the host's life, not at 0. */
function warmCounters(h, r) {
  for (const d of h.io) {
    d.reads = Math.floor(r() * 1e8);
    d.writes = Math.floor(r() * 1e8);
    d.readBytes = d.reads * 512 * 16;
    d.writeBytes = d.writes * 512 * 24;
    d.readTime = Math.floor(d.reads / 3);
    d.writeTime = Math.floor(d.writes / 2);
    d.ioTime = Math.floor(h.uptime * 50);
  }
  const n = h.net;
  n.packetsRecv = Math.floor(r() * 1e9);
  n.packetsSent = Math.floor(r() * 1e9);
  n.bytesRecv = n.packetsRecv * 700;
  n.bytesSent = n.packetsSent * 400;
}

function reboot(h) {
  h.uptime = 0;
  for (const d of h.io) for (const k of ['reads', 'writes', 'readBytes', 'writeBytes', 'readTime', 'writeTime', 'ioTime']) d[k] = 0;
  for (const k of Object.keys(h.net)) h.net[k] = 0;
}

/** One core's jiffies over an interval of `seconds` at 100 Hz; the total wobbles by a jiffy as real ticks do. */
function coreJiffies(r, busy, seconds) {
  const total = seconds * 100 + (r() < 0.1 ? (r() < 0.5 ? -1 : 1) : 0);
  const b = clamp(busy * (0.5 + r()), 0, 0.98);
  const user = Math.round(total * b * 0.7);
  const system = Math.round(total * b * 0.25);
  const softirq = Math.round(total * b * 0.03);
  const iowait = r() < 0.3 ? Math.floor(r() * total * 0.02) : 0;
  const nice = r() < 0.02 ? Math.floor(r() * 10) : 0;
  const irq = r() < 0.05 ? 1 : 0;
  const idle = Math.max(0, total - user - system - softirq - iowait - nice - irq);
  return { user, nice, system, idle, iowait, irq, softirq, steal: 0 };
}

const CPU_STATES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];

function cpuFields(j) {
  let total = 0;
  for (const s of CPU_STATES) total += j[s];
  let out = '';
  for (const s of CPU_STATES) out += `${out ? ',' : ''}usage_${s}=${pct(j[s], total)}`;
  return `${out},usage_active=${pct(total - j.idle - j.iowait, total)}`;
}

/** Lines and samples of one host at one tick (appended to `out.text`). */
function hostTick(h, r, tMs, seconds, out) {
  const ts = `${tMs}000000`;
  const host = h.name;
  if (r() < seconds / (3 * 86_400)) reboot(h); // about once every three days per host
  h.uptime += seconds;
  const diurnal = 0.6 + 0.4 * Math.sin((2 * Math.PI * tMs) / DAY_MS + h.dayPhase);
  h.load = clamp(h.load + 0.1 * (h.mu * diurnal - h.load) + 0.04 * (r() - 0.5), 0.01, 0.97);

  const sum = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  let lines = '';
  for (let c = 0; c < h.cores; c++) {
    const j = coreJiffies(r, h.load, seconds);
    for (const s of CPU_STATES) sum[s] += j[s];
    lines += `cpu,cpu=cpu${c},host=${host} ${cpuFields(j)} ${ts}\n`;
  }
  out.text += `cpu,cpu=cpu-total,host=${host} ${cpuFields(sum)} ${ts}\n${lines}`;
  out.lines += h.cores + 1;
  out.samples += 9 * (h.cores + 1);

  const memKb = h.memTotal / 1024;
  h.availKb = clamp(h.availKb + Math.round((r() - 0.5) * 4096) * 4, Math.floor(memKb * 0.05), Math.floor(memKb * 0.95));
  h.cachedKb = clamp(h.cachedKb + Math.round((r() - 0.48) * 512) * 4, 0, h.availKb);
  const freeKb = Math.max(0, h.availKb - h.cachedKb - h.buffersKb);
  const used = h.memTotal - h.availKb * 1024;
  out.text += `mem,host=${host} total=${h.memTotal}i,available=${h.availKb * 1024}i,used=${used}i,free=${freeKb * 1024}i,buffers=${h.buffersKb * 1024}i,cached=${h.cachedKb * 1024}i,used_percent=${pct(used, h.memTotal)},available_percent=${pct(h.availKb * 1024, h.memTotal)} ${ts}\n`;
  if (h.swapTotal > 0 && r() < 0.05) h.swapUsedKb = clamp(h.swapUsedKb + Math.round((r() - 0.4) * 256) * 4, 0, h.swapTotal / 1024);
  const swapUsed = h.swapUsedKb * 1024;
  out.text += `swap,host=${host} total=${h.swapTotal}i,used=${swapUsed}i,free=${h.swapTotal - swapUsed}i,used_percent=${pct(swapUsed, h.swapTotal)} ${ts}\n`;

  const running = h.load * h.cores * (0.8 + 0.4 * r());
  h.load1 += (running - h.load1) * (1 - Math.exp(-seconds / 60));
  h.load5 += (running - h.load5) * (1 - Math.exp(-seconds / 300));
  h.load15 += (running - h.load15) * (1 - Math.exp(-seconds / 900));
  h.procs = clamp(h.procs + Math.round((r() - 0.5) * 4), 120, 900);
  out.text += `system,host=${host} load1=${round2(h.load1)},load5=${round2(h.load5)},load15=${round2(h.load15)},n_cpus=${h.cores}i,n_procs=${h.procs}i,uptime=${h.uptime}i ${ts}\n`;

  for (const d of h.disks) {
    d.used = clamp(d.used + Math.round((r() - 0.45) * 64) * 4096, 0, d.total * 0.95);
    if (r() < 0.01) d.inodesUsed += Math.round((r() - 0.4) * 20);
    const free = Math.floor((d.total * 0.95 - d.used) / 4096) * 4096;
    out.text += `disk,device=${d.device},fstype=${d.fstype},host=${host},path=${d.path} total=${d.total}i,used=${d.used}i,free=${free}i,used_percent=${pct(d.used, d.used + free)},inodes_total=${d.inodes}i,inodes_free=${d.inodes - d.inodesUsed}i,inodes_used=${d.inodesUsed}i ${ts}\n`;
  }
  for (const d of h.io) {
    const reads = Math.floor(r() * 40 * seconds * h.load);
    const writes = Math.floor(r() * 80 * seconds * h.load) + 1;
    d.reads += reads;
    d.writes += writes;
    d.readBytes += reads * 512 * (8 + Math.floor(r() * 24));
    d.writeBytes += writes * 512 * (8 + Math.floor(r() * 40));
    d.readTime += Math.floor(reads * (0.2 + r()));
    d.writeTime += Math.floor(writes * (0.5 + r()));
    d.ioTime += Math.min(seconds * 1000, Math.floor((reads + writes) * 0.6));
    out.text += `diskio,host=${host},name=${d.name} reads=${d.reads}i,writes=${d.writes}i,read_bytes=${d.readBytes}i,write_bytes=${d.writeBytes}i,read_time=${d.readTime}i,write_time=${d.writeTime}i,io_time=${d.ioTime}i,iops_in_progress=${r() < 0.9 ? 0 : Math.floor(r() * 4)}i ${ts}\n`;
  }
  const n = h.net;
  const pin = Math.floor(r() * 3000 * seconds * h.load) + 10;
  const pout = Math.floor(r() * 2000 * seconds * h.load) + 10;
  n.packetsRecv += pin;
  n.packetsSent += pout;
  n.bytesRecv += pin * (60 + Math.floor(r() * 1400));
  n.bytesSent += pout * (60 + Math.floor(r() * 900));
  if (r() < 0.001) n.dropIn += 1;
  if (r() < 0.0002) n.errIn += 1;
  out.text += `net,host=${host},interface=eth0 bytes_sent=${n.bytesSent}i,bytes_recv=${n.bytesRecv}i,packets_sent=${n.packetsSent}i,packets_recv=${n.packetsRecv}i,err_in=${n.errIn}i,err_out=${n.errOut}i,drop_in=${n.dropIn}i,drop_out=${n.dropOut}i ${ts}\n`;
  out.lines += 8;
  out.samples += 8 + 4 + 6 + 14 + 16 + 8;
}

/** The archive shape: usage_user and usage_system of cpu-total and every core, tagged fleet=archive. */
function archiveTick(h, r, tMs, seconds, out) {
  const ts = `${tMs}000000`;
  const diurnal = 0.6 + 0.4 * Math.sin((2 * Math.PI * tMs) / DAY_MS + h.dayPhase);
  h.load = clamp(h.load + 0.1 * (h.mu * diurnal - h.load) + 0.04 * (r() - 0.5), 0.01, 0.97);
  let user = 0;
  let system = 0;
  let total = 0;
  let lines = '';
  for (let c = 0; c < h.cores; c++) {
    const j = coreJiffies(r, h.load, seconds);
    const t = CPU_STATES.reduce((a, s) => a + j[s], 0);
    user += j.user;
    system += j.system;
    total += t;
    lines += `cpu,cpu=cpu${c},fleet=archive,host=${h.name} usage_user=${pct(j.user, t)},usage_system=${pct(j.system, t)} ${ts}\n`;
  }
  out.text += `cpu,cpu=cpu-total,fleet=archive,host=${h.name} usage_user=${pct(user, total)},usage_system=${pct(system, total)} ${ts}\n${lines}`;
  out.lines += h.cores + 1;
  out.samples += 2 * (h.cores + 1);
}

/** Distinct series (measurement + tag set + numeric field) the shape produces for `hosts` hosts. */
export function seriesCount(shape, hosts) {
  let n = 0;
  for (let i = 0; i < hosts; i++) {
    const cpuLines = CORES[i % CORES.length] + 1;
    n += shape === 'archive' ? 2 * cpuLines : 9 * cpuLines + 8 + 4 + 6 + 14 + 16 + 8;
  }
  return n;
}

/** Series of one field of cpu (e.g. usage_user) for `hosts` hosts: what a query by host and cpu returns. */
export function cpuSeriesCount(hosts) {
  let n = 0;
  for (let i = 0; i < hosts; i++) n += CORES[i % CORES.length] + 1;
  return n;
}

/**
 * Write `hours` of metrics for `hosts` hosts every `intervalS` seconds, ending at `endMs` (rounded down to the
 * interval), to `file`, in time order (all hosts of a tick, then the next tick), as collectors deliver them.
 * Returns { lines, samples, series, bytes, fromMs, toMs, ticks }: toMs is one past the last tick's newest timestamp.
 */
export function writeMetrics(file, { shape = 'host', hosts = 100, hours = 24, intervalS = 10, endMs = Date.now(), seed = 42 } = {}) {
  const r = rng(seed);
  const stepMs = intervalS * 1000;
  const ticks = Math.max(1, Math.round((hours * 3_600_000) / stepMs));
  const lastTick = Math.floor(endMs / stepMs) * stepMs - stepMs;
  const firstTick = lastTick - (ticks - 1) * stepMs;
  const hs = Array.from({ length: hosts }, (_, i) => newHost(i, r));
  for (const h of hs) warmCounters(h, r);
  const tick = shape === 'archive' ? archiveTick : hostTick;
  const fd = openSync(file, 'w');
  const out = { text: '', lines: 0, samples: 0 };
  let bytes = 0;
  let newest = 0;
  try {
    for (let k = 0; k < ticks; k++) {
      const t = firstTick + k * stepMs;
      for (const h of hs) {
        const ms = t + h.phaseMs + (h.jitter ? Math.floor(r() * 8) : 0);
        newest = Math.max(newest, ms);
        tick(h, r, ms, intervalS, out);
        if (out.text.length >= FLUSH_CHARS) {
          bytes += writeSync(fd, out.text);
          out.text = '';
        }
      }
    }
    if (out.text) bytes += writeSync(fd, out.text);
  } finally {
    closeSync(fd);
  }
  return { lines: out.lines, samples: out.samples, series: seriesCount(shape, hosts), bytes, fromMs: firstTick, toMs: newest + 1, ticks };
}
