// Summarise a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per file, hottest first.
// Usage: node bench/profile-summary.js FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);

function shortUrl(url) {
  if (!url) return '';
  return url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/dist\//, 'dist/');
}

/** { totalMs, idleMs, gcMs, functions: [{ name, where, selfMs, pct }], files: [{ file, selfMs, pct }] } */
export function summarizeProfile(path, top = 15) {
  const prof = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  let totalUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  const fns = new Map();
  const files = new Map();
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame;
    totalUs += us;
    if (cf.functionName === '(idle)') idleUs += us;
    if (cf.functionName === '(garbage collector)') gcUs += us;
    const where = cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '(native)';
    const name = cf.functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const f = fns.get(key) ?? { name, where, us: 0 };
    f.us += us;
    fns.set(key, f);
    const file = IDLE.has(name) ? name : shortUrl(cf.url) || '(native)';
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const pct = (us) => Math.round((1000 * us) / Math.max(busyUs, 1)) / 10;
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    gcMs: Math.round(gcUs / 1000),
    functions: [...fns.values()]
      .filter((f) => f.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: Math.round(f.us / 1000), pctOfBusy: pct(f.us) })),
    files: [...files.entries()]
      .filter(([file]) => file !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([file, us]) => ({ file, selfMs: Math.round(us / 1000), pctOfBusy: pct(us) })),
  };
}

export function formatProfile(s) {
  const out = [`busy ${s.busyMs} ms of ${s.totalMs} ms profiled (GC ${s.gcMs} ms); self time, % of busy:`];
  for (const f of s.functions) out.push(`  ${String(f.pctOfBusy).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.name}  ${f.where}`);
  out.push('by file:');
  for (const f of s.files) out.push(`  ${String(f.pctOfBusy).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.file}`);
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.js FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summarizeProfile(file, Number(top ?? 15)))}\n`);
}
