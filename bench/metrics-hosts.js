// Host metrics shaped like the agent's (cpu, mem, system, disk, diskio, net; 41 series per host, values rounded as
// the agent rounds them), for the in-process metrics benches (metrics-store.js, seal-memory.js).

const r2 = (x) => Math.round(x * 100) / 100;
const walk = (x, step, lo, hi) => Math.min(hi, Math.max(lo, x + (Math.random() - 0.5) * step));

export function hostState(h) {
  return { h, load: 0.5 + (h % 7) * 0.3, used: 4e9 + h * 1e7, disk: 5e10 + h * 1e8, up: 100_000 + h * 1000, user: 10, sys: 3 };
}

/** One interval of one host: 6 records, as the agent writes them (one per measurement). */
export function hostLines(s, t) {
  const ns = `${t}000000`;
  const host = `host=web-${String(s.h).padStart(3, '0')}`;
  s.user = walk(s.user, 4, 0, 60);
  s.sys = walk(s.sys, 1, 0, 20);
  const iowait = r2(Math.random() * 1.5);
  const soft = r2(Math.random() * 0.4);
  const idle = r2(100 - s.user - s.sys - iowait - soft);
  s.load = walk(s.load, 0.2, 0, 8);
  s.used = Math.round(walk(s.used, 2e7, 1e9, 15e9) / 4096) * 4096;
  const total = 16_777_216_000;
  s.disk += Math.random() < 0.3 ? 4096 * Math.floor(Math.random() * 50) : 0;
  s.up += 10;
  const dtotal = 250_000_000_000;
  const rx = r2(Math.random() * 200_000);
  return [
    `cpu,cpu=total,${host} usage_user=${r2(s.user)},usage_system=${r2(s.sys)},usage_idle=${idle},usage_nice=0,usage_iowait=${iowait},usage_irq=0,usage_softirq=${soft},usage_steal=0,usage_active=${r2(100 - idle - iowait)} ${ns}`,
    `mem,${host} total=${total}i,available=${total - s.used}i,used=${s.used}i,free=${total - s.used - 2e9}i,buffers=${2e8 + (s.h % 5) * 4096}i,cached=${18e8}i,used_percent=${r2((100 * s.used) / total)},available_percent=${r2((100 * (total - s.used)) / total)} ${ns}`,
    `system,${host} load1=${r2(s.load)},load5=${r2(s.load * 0.9)},load15=${r2(s.load * 0.8)},n_cpus=8i,uptime=${s.up}i ${ns}`,
    `disk,device=sda1,fstype=ext4,${host},path=/ total=${dtotal}i,used=${s.disk}i,free=${dtotal - s.disk}i,used_percent=${r2((100 * s.disk) / dtotal)},inodes_total=15000000i,inodes_free=${14_000_000 - (s.h % 9)}i,inodes_used=${1_000_000 + (s.h % 9)}i ${ns}`,
    `diskio,${host},name=sda reads=${r2(Math.random() * 20)},writes=${r2(Math.random() * 60)},read_bytes=${r2(Math.random() * 4e5)},write_bytes=${r2(Math.random() * 1.2e6)} ${ns}`,
    `net,${host},interface=eth0 bytes_recv=${rx},bytes_sent=${r2(rx * 0.4)},packets_recv=${r2(rx / 900)},packets_sent=${r2(rx / 2000)},err_in=0,err_out=0,drop_in=0,drop_out=0 ${ns}`,
  ];
}

export const SAMPLES_PER_INTERVAL = 9 + 8 + 5 + 7 + 4 + 8;
