// Host metrics: exact values from a fixture /proc (two samples one second apart), sane values from the real machine
// on Linux, the portable node:os fallback, and the records a tick writes (line protocol that parses, key, headers).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { HostMetricsCollector, HostMetricsSource } from '../../src/agent/host-metrics/index.js';
import { parseDiskstats, parseMeminfo, parseMounts, parseNetDev, parseProcStat } from '../../src/agent/host-metrics/proc.js';
import { silentLogger } from '../../src/common/logger.js';
import type { AgentRecord, RecordSink } from '../../src/collect/record.js';
import { parseLine, type ParsedPoint, type Point } from '../../src/collect/line-protocol/index.js';
import { sleep } from '../helpers/wait-until.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-host-metrics-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fixtureProc(dir: string, sample: { stat: string; diskstats: string; netdev: string }): void {
  mkdirSync(join(dir, 'net'), { recursive: true });
  mkdirSync(join(dir, '101'), { recursive: true });
  mkdirSync(join(dir, '202'), { recursive: true });
  writeFileSync(join(dir, 'stat'), sample.stat);
  writeFileSync(join(dir, 'meminfo'), 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    400 kB\nBuffers:          10 kB\nCached:          100 kB\nSwapTotal:       500 kB\nSwapFree:        125 kB\n');
  writeFileSync(join(dir, 'loadavg'), '0.50 0.25 0.10 2/300 4242\n');
  writeFileSync(join(dir, 'uptime'), '3600.42 7000.00\n');
  writeFileSync(join(dir, 'mounts'), 'proc /proc proc rw 0 0\n/dev/root / ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n/dev/root / ext4 rw 0 0\n');
  writeFileSync(join(dir, 'diskstats'), sample.diskstats);
  writeFileSync(join(dir, 'net', 'dev'), sample.netdev);
}

const NETDEV_HEAD = 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
const netdev = (rx: number, tx: number) => `${NETDEV_HEAD}  eth0: ${rx} 10 1 0 0 0 0 0 ${tx} 20 0 2 0 0 0 0\n`;
const diskstats = (reads: number, sectors: number) => `   7       0 loop0 5 0 5 0 0 0 0 0 0 0 0\n 253       0 vda ${reads} 0 ${sectors} 10 ${reads * 2} 0 ${sectors * 2} 10 0 20 20\n`;

const byMeasurement = (points: Point[], m: string, tag?: [string, string]) =>
  points.filter((p) => p.measurement === m && (!tag || p.tags?.[tag[0]] === tag[1]));

describe('collector on a fixture /proc', () => {
  it('computes CPU usage, rates, memory, swap, load, processes and disk space exactly', async () => {
    const dir = join(tmp, 'proc');
    fixtureProc(dir, {
      stat: 'cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\ncpu1 50 0 50 400 0 0 0 0 0 0\nintr 1 2 3\n',
      diskstats: diskstats(100, 1000),
      netdev: netdev(1000, 2000),
    });
    const c = new HostMetricsCollector({ host: 'h1', procRoot: dir, source: 'proc' });
    const first = await c.collect(1_714_564_800_000);
    // The first tick has no deltas: no cpu, diskio or net yet.
    expect(new Set(first.map((p) => p.measurement))).toEqual(new Set(['mem', 'swap', 'system', 'disk']));

    fixtureProc(dir, {
      // +100 jiffies: user 50, system 10, idle 30, iowait 10
      stat: 'cpu  150 0 110 830 10 0 0 0 0 0\ncpu0 100 0 50 400 0 0 0 0 0 0\ncpu1 50 0 60 430 10 0 0 0 0 0\n',
      diskstats: diskstats(150, 3000),
      netdev: netdev(5000, 2000),
    });
    await sleep(1000);
    const points = await c.collect(1_714_564_801_000);
    const total = byMeasurement(points, 'cpu', ['cpu', 'total'])[0]!;
    expect(total.tags).toEqual({ host: 'h1', cpu: 'total' });
    expect(total.fields).toMatchObject({ usage_user: 50, usage_system: 10, usage_idle: 30, usage_iowait: 10, usage_active: 60 });
    expect(byMeasurement(points, 'cpu', ['cpu', 'cpu0'])[0]!.fields).toMatchObject({ usage_user: 100, usage_idle: 0 });
    expect(byMeasurement(points, 'mem')[0]!.fields).toMatchObject({
      total: { type: 'integer', value: 1024000n },
      available: { type: 'integer', value: 409600n },
      used: { type: 'integer', value: 614400n },
      used_percent: 60,
    });
    expect(byMeasurement(points, 'swap')[0]!.fields).toMatchObject({ used: { type: 'integer', value: 384000n }, used_percent: 75 });
    expect(byMeasurement(points, 'system')[0]!.fields).toMatchObject({
      load1: 0.5,
      load5: 0.25,
      load15: 0.1,
      n_cpus: { type: 'integer', value: 2n },
      n_procs: { type: 'integer', value: 2n }, // the numeric directories 101 and 202
      uptime: { type: 'integer', value: 3600n },
    });
    // One disk point for "/" (listed twice), none for proc or tmpfs.
    expect(byMeasurement(points, 'disk').map((p) => p.tags)).toEqual([{ host: 'h1', path: '/', device: '/dev/root', fstype: 'ext4' }]);
    // Rates per second over ~1 s; loop devices are skipped.
    const io = byMeasurement(points, 'diskio');
    expect(io.map((p) => p.tags!.name)).toEqual(['vda']);
    expect(io[0]!.fields.reads as number).toBeGreaterThan(40);
    expect(io[0]!.fields.reads as number).toBeLessThanOrEqual(50);
    expect((io[0]!.fields.read_bytes as number) / (io[0]!.fields.reads as number) / (40 * 512)).toBeCloseTo(1, 3); // rates are rounded to 0.01
    const net = byMeasurement(points, 'net')[0]!;
    expect(net.tags).toEqual({ host: 'h1', interface: 'eth0' });
    expect(net.fields.bytes_recv as number).toBeGreaterThan(3500);
    expect(net.fields.bytes_recv as number).toBeLessThanOrEqual(4000);
    expect(net.fields.bytes_sent).toBe(0);
    expect(points.every((p) => p.timestampNs === 1_714_564_801_000_000_000n)).toBe(true);
  });

  it('skips a rate whose counter went backwards (a reset), instead of reporting a negative rate', async () => {
    const dir = join(tmp, 'proc-reset');
    fixtureProc(dir, { stat: 'cpu  100 0 100 800 0 0 0 0\n', diskstats: diskstats(100, 1000), netdev: netdev(9000, 9000) });
    const c = new HostMetricsCollector({ host: 'h', procRoot: dir, source: 'proc' });
    await c.collect(0);
    fixtureProc(dir, { stat: 'cpu  100 0 100 900 0 0 0 0\n', diskstats: diskstats(10, 100), netdev: netdev(10, 10) });
    const points = await c.collect(1000);
    expect(byMeasurement(points, 'diskio')).toEqual([]);
    expect(byMeasurement(points, 'net')).toEqual([]);
    expect(byMeasurement(points, 'cpu')[0]!.fields.usage_idle).toBe(100);
  });

  it('parses /proc formats: octal escapes in mount points, kB in meminfo, interface names with colons', () => {
    expect(parseMounts('/dev/sdb1 /media/my\\040disk vfat rw 0 0\n')).toEqual([{ device: '/dev/sdb1', mountPoint: '/media/my disk', fstype: 'vfat' }]);
    expect(parseMeminfo('MemTotal:  2 kB\nHugePages_Total:   3\n')).toEqual(new Map([['MemTotal', 2048], ['HugePages_Total', 3]]));
    expect([...parseNetDev(`${NETDEV_HEAD}  wlan0:1 2 3 4 0 0 0 0 5 6 7 8 0 0 0 0\n`).keys()]).toEqual(['wlan0']);
    expect(parseProcStat('cpu  1 2 3 4\n').get('cpu')).toMatchObject({ user: 1, nice: 2, system: 3, idle: 4, iowait: 0 });
    expect([...parseDiskstats(diskstats(1, 1)).keys()]).toEqual(['vda']);
  });
});

describe.runIf(process.platform === 'linux')('collector on this Linux machine', () => {
  it('reports sane values', async () => {
    const c = new HostMetricsCollector({ host: 'me' });
    await c.collect(Date.now());
    await sleep(300);
    const points = await c.collect(Date.now());
    const cpus = byMeasurement(points, 'cpu');
    expect(cpus.length).toBeGreaterThanOrEqual(2); // total and at least one core
    for (const p of cpus) {
      for (const v of Object.values(p.fields)) {
        expect(v as number).toBeGreaterThanOrEqual(0);
        expect(v as number).toBeLessThanOrEqual(100);
      }
      const sum = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'].reduce((s, k) => s + (p.fields[`usage_${k}`] as number), 0);
      expect(sum).toBeCloseTo(100, 0);
    }
    const mem = byMeasurement(points, 'mem')[0]!.fields;
    expect((mem.total as { value: bigint }).value).toBeGreaterThan(0n);
    expect(mem.used_percent as number).toBeGreaterThan(0);
    expect(mem.used_percent as number).toBeLessThan(100);
    const system = byMeasurement(points, 'system')[0]!.fields;
    expect((system.n_procs as { value: bigint }).value).toBeGreaterThan(1n);
    expect((system.uptime as { value: bigint }).value).toBeGreaterThan(0n);
    expect(byMeasurement(points, 'disk').length).toBeGreaterThanOrEqual(1);
    for (const d of byMeasurement(points, 'disk')) {
      expect(d.fields.used_percent as number).toBeGreaterThanOrEqual(0);
      expect(d.fields.used_percent as number).toBeLessThanOrEqual(100);
    }
  });
});

describe('portable fallback (node:os)', () => {
  it('reports cpu, mem, system and disk space of the root', async () => {
    const c = new HostMetricsCollector({ host: 'portable', source: 'os' });
    await c.collect(Date.now());
    await sleep(200);
    const points = await c.collect(Date.now());
    expect(new Set(points.map((p) => p.measurement))).toEqual(new Set(['cpu', 'mem', 'system', 'disk']));
    const total = byMeasurement(points, 'cpu', ['cpu', 'total'])[0]!;
    expect(total.fields.usage_active as number).toBeGreaterThanOrEqual(0);
    expect(total.fields.usage_active as number).toBeLessThanOrEqual(100);
  });
});

class FakeSink extends EventEmitter implements RecordSink {
  saturated = false;
  readonly written: Array<{ topic: string; records: AgentRecord[] }> = [];
  async write(topic: string, records: AgentRecord[]): Promise<void> {
    this.written.push({ topic, records });
  }
  async close(): Promise<void> {}
}

describe('host metrics source', () => {
  it('writes one line-protocol record per point, keyed by measurement+tags, with host, agent and format headers', async () => {
    const sink = new FakeSink();
    const source = new HostMetricsSource({ sink, topic: 'metrics', intervalMs: 200, host: 'box', agentName: 'agent-7', logger: silentLogger });
    source.start();
    await sleep(500);
    await source.stop();
    expect(sink.written.length).toBeGreaterThanOrEqual(2);
    const records = sink.written.flatMap((w) => w.records);
    expect(sink.written.every((w) => w.topic === 'metrics')).toBe(true);
    for (const r of records) {
      const p: ParsedPoint = parseLine(r.value as string);
      expect(p.tags.host).toBe('box');
      expect(r.key).toBe(`${p.measurement},${Object.entries(p.tags).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v.replace(/([ ,=])/g, '\\$1')}`).join(',')}`);
      expect(r.headers).toEqual({ host: 'box', agent: 'agent-7', format: 'influx' });
      expect(BigInt(r.timestamp) * 1_000_000n).toBe(p.timestampNs);
    }
    const measurements = new Set(records.map((r) => parseLine(r.value as string).measurement));
    for (const m of process.platform === 'linux' ? ['cpu', 'mem', 'swap', 'system', 'disk'] : ['cpu', 'mem', 'system']) expect(measurements).toContain(m);
  });

  it('skips ticks while the sink is saturated', async () => {
    const sink = new FakeSink();
    sink.saturated = true;
    const source = new HostMetricsSource({ sink, topic: 'metrics', intervalMs: 50, host: 'box', agentName: 'a', logger: silentLogger });
    source.start();
    await sleep(200);
    expect(sink.written).toEqual([]);
    sink.saturated = false;
    await sleep(150);
    await source.stop();
    expect(sink.written.length).toBeGreaterThanOrEqual(1);
  });
});
