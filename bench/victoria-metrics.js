// VictoriaMetrics single-node as the metrics benchmark's peer: started on a loopback port with a throwaway data
// directory, fed InfluxDB line protocol on /write, flushed with /internal/force_flush, queried with query_range.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { readCpuSeconds, readMemory } from './broker.js';
import { sleep, spawnTracked, tail, withTimeout } from './child.js';

const CANDIDATES = ['/usr/bin/victoria-metrics', '/usr/bin/victoria-metrics-prod', '/usr/local/bin/victoria-metrics-prod', '/usr/local/bin/victoria-metrics'];
const START_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 600_000;

/** The VictoriaMetrics binary ($VICTORIA_METRICS or the Debian/upstream paths) and its version, or a clear error. */
export function findVictoriaMetrics() {
  const cmd = process.env.VICTORIA_METRICS ?? CANDIDATES.find((p) => existsSync(p));
  if (!cmd || !existsSync(cmd)) {
    throw new Error(
      `VictoriaMetrics was not found (${process.env.VICTORIA_METRICS ?? CANDIDATES.join(', ')}). The metrics scenario runs it side by side with ` +
        'Tributary: install it (Debian/Ubuntu: apt-get install victoria-metrics; or the victoria-metrics-prod binary of a release) or point VICTORIA_METRICS=/path/to/binary at it.',
    );
  }
  // The Debian build prints nothing for -version; its package version is the useful one.
  const own = spawnSync(cmd, ['-version'], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim();
  const deb = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'victoria-metrics'], { encoding: 'utf8', timeout: 10_000 });
  return { cmd, version: own || (deb.status === 0 ? `Debian ${deb.stdout.trim()}` : 'unknown') };
}

/** A free loopback port (VictoriaMetrics cannot listen on port 0 and tell us which one it got). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Start VictoriaMetrics on 127.0.0.1 with its data in dataDir; resolves once /health answers. */
export async function startVictoriaMetrics({ cmd, dataDir }) {
  const port = await freePort();
  const args = [
    `-storageDataPath=${dataDir}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    // The data is a day and a week old: keep it (retention also bounds how old an accepted sample may be).
    '-retentionPeriod=1y',
    // Points up to now are visible at once (default: only those older than 30 s), like ours.
    '-search.latencyOffset=0s',
    // Every query is answered from storage: the rollup result cache would otherwise answer repeats from memory.
    '-search.disableCache',
    '-loggerLevel=WARN',
  ];
  const child = spawnTracked(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = tail(child.stderr);
  const stdout = tail(child.stdout);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`VictoriaMetrics exited (${exited.code ?? exited.signal}) at start: ${stderr() || stdout()}`);
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`VictoriaMetrics did not answer ${base}/health within ${START_TIMEOUT_MS} ms: ${stderr()}`);
    }
    await sleep(100);
  }
  return new VictoriaMetrics(child, base, dataDir, () => exited, () => stderr() || stdout());
}

class VictoriaMetrics {
  constructor(child, base, dataDir, exitStatus, log) {
    this.child = child;
    this.pid = child.pid;
    this.base = base;
    this.dataDir = dataDir;
    this.exitStatus = exitStatus;
    this.log = log;
  }

  rssBytes() {
    return readMemory(this.pid)?.rss ?? null;
  }

  cpuSeconds() {
    return readCpuSeconds(this.pid);
  }

  async request(path, init = {}) {
    const res = await withTimeout(fetch(`${this.base}${path}`, init), REQUEST_TIMEOUT_MS, `VictoriaMetrics ${path}`);
    const body = await res.text();
    if (res.status >= 300) throw new Error(`VictoriaMetrics ${init.method ?? 'GET'} ${path.slice(0, 200)}: ${res.status} ${body.slice(0, 300)}${this.exitStatus() ? `\n${this.log()}` : ''}`);
    return body;
  }

  /**
   * POST the line-protocol file to /write in chunks of about chunkBytes (cut at line ends), `concurrency` at a time,
   * as a Telegraf fleet's batches arrive. Resolves with the elapsed ms and VictoriaMetrics' CPU seconds meanwhile.
   */
  async writeFile(file, { chunkBytes = 4 << 20, concurrency = 2 } = {}) {
    const size = statSync(file).size;
    const fd = openSync(file, 'r');
    let pos = 0;
    const nextChunk = () => {
      if (pos >= size) return null;
      const buf = Buffer.allocUnsafe(Math.min(chunkBytes, size - pos));
      const n = readSync(fd, buf, 0, buf.length, pos);
      let end = n;
      if (pos + n < size) {
        end = buf.lastIndexOf(10, n - 1) + 1;
        if (end === 0) throw new Error(`a line of ${file} is longer than ${chunkBytes} bytes`);
      }
      pos += end;
      return buf.subarray(0, end);
    };
    const cpu0 = this.cpuSeconds();
    const t0 = process.hrtime.bigint();
    try {
      const worker = async () => {
        for (let chunk = nextChunk(); chunk; chunk = nextChunk()) await this.request('/write', { method: 'POST', body: chunk });
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      closeSync(fd);
    }
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuSeconds: this.cpuSeconds() - cpu0 };
  }

  /** Make everything written searchable and persisted (in-memory parts to disk). */
  async flush() {
    await this.request('/internal/force_flush');
  }

  /** Rows (samples) VictoriaMetrics has added to its storage, from its own /metrics. */
  async rowsAdded() {
    const text = await this.request('/metrics');
    const m = /^vm_rows_added_to_storage_total (\d+)/m.exec(text);
    return m ? Number(m[1]) : null;
  }

  /** Instant query: the first result's value as a number (null when the result is empty). */
  async scalar(query, timeMs) {
    const body = JSON.parse(await this.request(`/api/v1/query?${new URLSearchParams({ query, time: String(timeMs / 1000) })}`));
    const v = body.data.result[0]?.value?.[1];
    return v === undefined ? null : Number(v);
  }

  /** query_range; resolves with { ms, series, points, bytes } (points: values over all series; bytes: of the answer). */
  async queryRange(query, fromMs, toMs, step) {
    const qs = new URLSearchParams({ query, start: String(fromMs / 1000), end: String(toMs / 1000), step, nocache: '1' });
    // Timed until the whole answer has arrived, before parsing it (our side is timed the same way).
    const t0 = process.hrtime.bigint();
    // identity: on loopback a compressed answer only costs CPU (VictoriaMetrics gzips for clients that accept it).
    const text = await this.request(`/api/v1/query_range?${qs}`, { headers: { 'accept-encoding': 'identity' } });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const body = JSON.parse(text);
    const result = body.data.result;
    return { ms, series: result.length, points: result.reduce((n, s) => n + s.values.length, 0), bytes: text.length };
  }

  /** SIGTERM (VictoriaMetrics flushes and exits), SIGKILL after 30 s. */
  async stop() {
    if (this.exitStatus()) return this.exitStatus();
    const exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.kill('SIGTERM');
    try {
      return await withTimeout(exited, 30_000, 'VictoriaMetrics shutdown');
    } catch {
      this.child.kill('SIGKILL');
      return exited;
    }
  }
}
