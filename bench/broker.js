// Starts the Tributary broker as a child process on a loopback ephemeral port and watches its memory and CPU
// through /proc/<pid> (Linux only).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, tail, waitForLine, withTimeout } from './child.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tributary.js');
const LISTENER_LINE = /kafka listener on ([\d.]+):(\d+)/;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const SAMPLE_EVERY_MS = 100;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** VmRSS and VmHWM (peak RSS) of a live process, in bytes; null once it is gone. */
export function readMemory(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** User+system CPU seconds a live process has used so far (plus its reaped children's with `children`), or null once it is gone. */
export function readCpuSeconds(pid, { children = false } = {}) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // utime, stime, cutime, cstime: fields 14-17 of /proc/<pid>/stat
  return (f[11] + f[12] + (children ? f[13] + f[14] : 0)) / CLK_TCK;
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function readMachineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + f[4]; // idle + iowait
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

/** 1-minute load average: other work on the machine makes every figure here unreliable. */
export function loadAverage() {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/**
 * Start `tributary serve` on 127.0.0.1:0 with the given JSON config. With cpuProfDir, the broker runs under
 * `node --cpu-prof` and writes its profile there on a clean shutdown. `env` adds to the broker's environment.
 */
export async function startBroker({ dataDir, config, cpuProfDir, memoryProbe = false, env: extraEnv = {} }) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: the CLI entry point has not been written or built yet`);
  const configFile = join(dataDir, '..', 'bench-broker.json');
  writeFileSync(configFile, JSON.stringify(config));
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  // The memory probe (bench/memory-probe.cjs) reports V8's and Node's view of memory, before and after full GCs.
  const probeFile = memoryProbe ? join(dataDir, '..', 'bench-memory-probe.json') : null;
  if (probeFile) nodeArgs.push('--expose-gc', '--require', join(ROOT, 'bench', 'memory-probe.cjs'));
  const args = [...nodeArgs, BIN, 'serve', '--data-dir', dataDir, '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0', '--config', configFile];
  const child = spawnTracked(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TRIBUTARY_LOG_LEVEL: process.env.TRIBUTARY_LOG_LEVEL ?? 'info', ...(probeFile ? { BENCH_MEMORY_PROBE_FILE: probeFile } : {}), ...extraEnv },
  });
  const stderr = tail(child.stderr);
  // Every stdout line is kept: ingest listeners print their own line after the Kafka listener's.
  const stdoutLines = [];
  const stdoutWaiters = new Set();
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s) => {
    const parts = (partial + s).split('\n');
    partial = parts.pop();
    for (const line of parts) {
      stdoutLines.push(line);
      for (const w of stdoutWaiters) w(line);
    }
  });
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  let m;
  try {
    m = await waitForLine(child, LISTENER_LINE, START_TIMEOUT_MS, 'broker');
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\nbroker stderr:\n${stderr()}`);
  }
  const waitForStdout = (re, timeoutMs) =>
    new Promise((resolve, reject) => {
      const seen = stdoutLines.map((l) => re.exec(l)).find(Boolean);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => {
        stdoutWaiters.delete(check);
        reject(new Error(`the broker printed no line matching ${re} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (line) => {
        const hit = re.exec(line);
        if (!hit) return;
        clearTimeout(timer);
        stdoutWaiters.delete(check);
        resolve(hit);
      };
      stdoutWaiters.add(check);
    });
  const broker = new BrokerProcess(child, `${m[1]}:${m[2]}`, stderr, () => exited, waitForStdout, corePid(child.pid));
  broker.dataDir = dataDir;
  broker.probeFile = probeFile;
  return broker;
}

/**
 * The pid of the process that runs the core. `tributary serve` started without glibc's malloc settings runs again as
 * its own child with them (bin/relaunch.js), as it does for users; memory and CPU are that child's. Signals still go
 * to the launcher, which forwards them.
 */
export function corePid(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // not Linux, or gone
  }
  return children.length === 1 ? children[0] : pid;
}

export class BrokerProcess {
  constructor(child, address, stderr, exitStatus, waitForStdout, pid = child.pid) {
    this.child = child;
    /** `(re, timeoutMs)` → the match of the first stdout line (past or future) matching re, e.g. an ingest listener's. */
    this.waitForStdout = waitForStdout;
    /** The core's pid (the launcher's child when it relaunched itself); `child` is what was started. */
    this.pid = pid;
    this.address = address;
    this.stderr = stderr;
    this.exitStatus = exitStatus;
    this.peakRss = 0;
    this.windowPeakRss = 0;
    this.sampler = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.sampler.unref();
  }

  sample() {
    const mem = readMemory(this.pid);
    if (!mem) return null;
    this.peakRss = Math.max(this.peakRss, mem.rss);
    this.windowPeakRss = Math.max(this.windowPeakRss, mem.rss);
    return mem;
  }

  /** Throws with the broker's last log lines if it has died. */
  assertAlive(during) {
    const st = this.exitStatus();
    if (st) throw new Error(`broker exited (${st.code ?? st.signal}) during ${during}. broker stderr:\n${this.stderr()}`);
  }

  /**
   * Start measuring one scenario. The returned function (call it after the scenario's clients have exited) gives,
   * since then: the broker's CPU seconds and peak RSS, how busy the whole machine was (% of all cores), and how much
   * of that was neither the broker nor the harness and its children — other work that disturbs the figures.
   */
  window() {
    this.sample();
    this.windowPeakRss = readMemory(this.pid)?.rss ?? 0;
    const broker0 = readCpuSeconds(this.pid);
    const harness0 = readCpuSeconds(process.pid, { children: true });
    const machine0 = readMachineCpu();
    const loadAtStart = loadAverage();
    return () => {
      this.sample();
      const broker1 = readCpuSeconds(this.pid);
      const harness1 = readCpuSeconds(process.pid, { children: true });
      const machine1 = readMachineCpu();
      const total = machine1.total - machine0.total;
      const busy = machine1.busy - machine0.busy;
      const brokerCpu = broker0 === null || broker1 === null ? null : broker1 - broker0;
      const pct = (x) => (total > 0 ? Math.max(0, Math.round((100 * x) / total)) : null);
      return {
        brokerCpuSeconds: brokerCpu,
        brokerPeakRssBytes: this.windowPeakRss,
        machineBusyPercent: pct(busy),
        otherCpuPercent: pct(busy - (brokerCpu ?? 0) - (harness1 - harness0)),
        loadAtStart,
      };
    };
  }

  /**
   * With startBroker({ memoryProbe: true }): the broker's memory as V8 and Node see it ({ before, after } full GCs:
   * rss, heapUsed, heapTotal, arrayBuffers, external, RssAnon…), or null without the probe or when it does not answer.
   */
  async probeMemory(timeoutMs = 10_000) {
    if (!this.probeFile) return null;
    rmSync(this.probeFile, { force: true });
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (existsSync(this.probeFile)) return JSON.parse(readFileSync(this.probeFile, 'utf8'));
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  }

  /** Peak RSS of the broker over its whole life (the kernel's VmHWM), plus the current RSS. */
  memory() {
    const mem = this.sample();
    return { vmHwmBytes: mem?.hwm ?? null, vmRssBytes: mem?.rss ?? null, sampledPeakRssBytes: this.peakRss };
  }

  /** SIGTERM (clean shutdown, which also writes a --cpu-prof profile), SIGKILL if it hangs. */
  async stop() {
    clearInterval(this.sampler);
    if (this.exitStatus()) return this.exitStatus();
    const exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.kill('SIGTERM');
    try {
      return await withTimeout(exited, STOP_TIMEOUT_MS, 'broker shutdown');
    } catch {
      this.child.kill('SIGKILL');
      if (this.pid !== this.child.pid) process.kill(this.pid, 'SIGKILL');
      await exited;
      return { code: null, signal: 'SIGKILL', hung: true };
    }
  }
}

/** The per-scenario cost figures every scenario reports, from a window() result over `seconds`. */
export function costMetrics(cost, seconds) {
  return {
    brokerCpuSeconds: cost.brokerCpuSeconds === null ? null : Math.round(cost.brokerCpuSeconds * 100) / 100,
    brokerCpuPercent: cost.brokerCpuSeconds === null ? null : Math.round((100 * cost.brokerCpuSeconds) / seconds),
    brokerPeakRssMB: Math.round((cost.brokerPeakRssBytes / 2 ** 20) * 10) / 10,
    machineBusyPercent: cost.machineBusyPercent,
    otherCpuPercent: cost.otherCpuPercent,
    loadAtStart: cost.loadAtStart,
  };
}
