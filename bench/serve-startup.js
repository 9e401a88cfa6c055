// What the malloc relaunch (bin/relaunch.js) costs at start-up: `tributary serve` on a fresh data directory until its
// "kafka listener" line, relaunched (the settings missing) and in place (TRIBUTARY_MALLOC_ENV=0), N of each alternating;
// and the launcher's own CPU and memory once the core is up. Linux (/proc). Usage: node bench/serve-startup.js [N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCpuSeconds } from './broker.js';

const BIN = fileURLToPath(new URL('../bin/tributary.js', import.meta.url));
const N = Number(process.argv[2] ?? 8);
const status = (pid, k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

async function once(inPlace) {
  const env = { ...process.env };
  delete env.MALLOC_MMAP_THRESHOLD_;
  delete env.MALLOC_TRIM_THRESHOLD_;
  if (inPlace) env.TRIBUTARY_MALLOC_ENV = '0';
  else delete env.TRIBUTARY_MALLOC_ENV;
  const dir = mkdtempSync(join(tmpdir(), 'tributary-startup-'));
  const t0 = process.hrtime.bigint();
  const p = spawn(process.execPath, [BIN, 'serve', '--data-dir', dir, '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no listener line within 60 s')), 60_000);
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('kafka listener on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await new Promise((r) => setTimeout(r, 300));
  const r = inPlace ? { ms } : { ms, cpu: readCpuSeconds(p.pid), rss: status(p.pid, 'VmRSS'), anon: status(p.pid, 'RssAnon') };
  p.kill('SIGTERM');
  await new Promise((r) => p.on('close', r));
  rmSync(dir, { recursive: true, force: true });
  return r;
}

const runs = { relaunched: [], inPlace: [] };
for (let i = 0; i < N; i++) {
  runs.inPlace.push(await once(true));
  runs.relaunched.push(await once(false));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
for (const [k, v] of Object.entries(runs)) {
  const extra = k === 'relaunched' ? `; launcher ${median(v.map((x) => x.cpu))} s CPU, VmRSS ${mib(median(v.map((x) => x.rss)))}, private ${mib(median(v.map((x) => x.anon)))}` : '';
  console.log(`${k}: median ${Math.round(median(v.map((x) => x.ms)))} ms to the listener line (${v.map((x) => Math.round(x.ms)).join(' ')})${extra}`);
}
