// `npm run fuzz`: a small coverage-guided fuzzer on V8's precise block coverage (node:inspector), no dependency.
// For each target of test/fuzz/targets.mjs, for its share of the time budget: start from the committed seeds
// (test/fuzz/corpus/<target>/) and the inputs earlier runs kept (test/fuzz/work/corpus/<target>/, not committed), mutate
// a corpus entry, run the target, and keep the input when it reaches a block (or a new hit-count range of a block) of
// src/ that no input reached before. Findings: an exception the target does not expect, a broken invariant, or an
// input that costs more than --slow-ms of CPU (after precise coverage's own overhead) — saved under
// test/fuzz/work/findings/<target>/ with the error, and replayable.
//
//   npm run fuzz                                  # every target, 180 s in total (FUZZ_SECONDS)
//   node test/fuzz/run.mjs --seconds 60 --target syslog,line-protocol
//   node test/fuzz/run.mjs --seed 1234            # the mutation sequence of an earlier run (printed at the start)
//   node test/fuzz/run.mjs --replay test/fuzz/work/findings/syslog/<file>
// Results: a table on stdout and test/fuzz/work/results.json. See docs/fuzzing.md.
import { createHash } from 'node:crypto';
import { Session } from 'node:inspector';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SEEDS = join(HERE, 'corpus');
const WORK = join(HERE, 'work');

function options(argv) {
  const o = { seconds: Number(process.env.FUZZ_SECONDS ?? 180), targets: null, seed: null, replay: null, maxLen: 4096, slowMs: 250 };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--seconds') o.seconds = Number(v);
    else if (k === '--target') o.targets = v.split(',');
    else if (k === '--seed') o.seed = Number(v);
    else if (k === '--replay') o.replay = v;
    else if (k === '--max-len') o.maxLen = Number(v);
    else if (k === '--slow-ms') o.slowMs = Number(v);
    else if (k === '--help') {
      console.log('usage: node test/fuzz/run.mjs [--seconds N] [--target a,b] [--seed S] [--max-len BYTES] [--slow-ms MS] [--replay FILE]');
      process.exit(0);
    } else throw new Error(`unknown option ${k} (try --help)`);
    i++;
  }
  if (!(o.seconds > 0)) throw new Error('--seconds must be a positive number');
  return o;
}

/** xorshift32: a seeded, replayable mutation sequence. */
function rng(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (a) => a[Math.floor(next() * a.length)] };
}

// ---- coverage -------------------------------------------------------------------------------------------------------

const session = new Session();
session.connect();
function post(method, params = {}) {
  let out;
  let err;
  session.post(method, params, (e, r) => {
    err = e;
    out = r;
  });
  if (err) throw err;
  return out;
}
post('Profiler.enable');
post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });

const bucket = (n) => (n <= 3 ? n : n <= 7 ? 4 : n <= 15 ? 8 : n <= 31 ? 16 : n <= 127 ? 32 : 128);
const isOurs = (url) => url.includes('/dist/src/');

/**
 * What one run reached: every block of src/ that executed (V8 lists a block only where its count differs from the
 * function's, so a block is known once listed and covered whenever it is not listed as 0), and hit-count buckets.
 */
class Coverage {
  known = new Map(); // function key -> Set of block keys ever listed
  seen = new Set(); // features reached by any input so far
  take() {
    const features = [];
    for (const script of post('Profiler.takePreciseCoverage').result) {
      if (!isOurs(script.url)) continue;
      for (const fn of script.functions) {
        const [top, ...blocks] = fn.ranges;
        if (top.count === 0) continue;
        const f = `${basename(script.url)}#${top.startOffset}`;
        let known = this.known.get(f);
        if (!known) this.known.set(f, (known = new Set()));
        const zero = new Set();
        features.push(f);
        for (const b of blocks) {
          const k = `${b.startOffset}-${b.endOffset}`;
          known.add(k);
          if (b.count === 0) zero.add(k);
          else features.push(`${f}:${k}:${bucket(b.count)}`);
        }
        for (const k of known) if (!zero.has(k)) features.push(`${f}:${k}`);
      }
    }
    return features;
  }
  /** Whether any of the features is new (without recording them). */
  anyNew(features) {
    return features.some((x) => !this.seen.has(x));
  }
  /** Records the features; returns how many were new. */
  add(features) {
    let n = 0;
    for (const x of features) {
      if (!this.seen.has(x)) {
        this.seen.add(x);
        n++;
      }
    }
    return n;
  }
  /** Functions reached, blocks reached, and blocks known in the functions reached. */
  summary() {
    let blocks = 0;
    let known = 0;
    for (const [f, ks] of this.known) {
      known += ks.size + 1;
      blocks += 1;
      for (const k of ks) if (this.seen.has(`${f}:${k}`)) blocks++;
    }
    return { functions: this.known.size, blocks, knownBlocks: known };
  }
}

// ---- mutation -------------------------------------------------------------------------------------------------------

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x22, 0x5c, 0x3d, 0x2c, 0x7b, 0x7d, 0x5b, 0x5d, 0x30, 0x39];
const INTERESTING_32 = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000, 61, 4096];

function mutate(r, input, corpus, dict, maxLen) {
  let b = Buffer.from(input);
  const n = 1 + r.int(r.next() < 0.7 ? 2 : 8);
  for (let i = 0; i < n; i++) {
    const at = r.int(b.length + 1);
    switch (r.int(10)) {
      case 0:
        if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << r.int(8);
        break;
      case 1:
        if (b.length) b[Math.min(at, b.length - 1)] = r.pick(INTERESTING);
        break;
      case 2:
        if (b.length) b[Math.min(at, b.length - 1)] = r.int(256);
        break;
      case 3: {
        const ins = Buffer.alloc(1 + r.int(8));
        for (let j = 0; j < ins.length; j++) ins[j] = r.next() < 0.5 ? r.pick(INTERESTING) : r.int(256);
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      case 4:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + r.int(16))]);
        break;
      case 5: {
        // duplicate a range: grows inputs the way hostile ones grow (repeated escapes, digits, brackets)
        const from = r.int(b.length + 1);
        const piece = b.subarray(from, from + 1 + r.int(32));
        b = Buffer.concat([b.subarray(0, at), ...Array(1 + r.int(8)).fill(piece), b.subarray(at)]);
        break;
      }
      case 6:
      case 7:
        if (dict.length) b = Buffer.concat([b.subarray(0, at), Buffer.from(r.pick(dict), 'latin1'), b.subarray(at)]);
        break;
      case 8: {
        const other = r.pick(corpus);
        const from = r.int(other.length + 1);
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + r.int(64)), b.subarray(at)]);
        break;
      }
      case 9:
        if (b.length >= 4) {
          const p = r.int(b.length - 3);
          const v = r.pick(INTERESTING_32);
          if (r.next() < 0.5) b.writeInt32BE(v | 0, p);
          else b.writeInt16BE(((v << 16) >> 16) | 0, p);
        }
        break;
    }
  }
  return b.length > maxLen ? b.subarray(0, maxLen) : b;
}

// ---- running ----------------------------------------------------------------------------------------------------------

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs the target once: null, or what went wrong. */
function execute(target, input) {
  try {
    target.run(input);
    return null;
  } catch (e) {
    return target.expected(e) ? null : e;
  }
}

const sha = (b) => createHash('sha1').update(b).digest('hex').slice(0, 16);

function readDir(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

function fuzzTarget(name, target, budgetMs, o, seed) {
  const r = rng(seed);
  const cov = new Coverage();
  const workDir = join(WORK, 'corpus', name);
  const findingsDir = join(WORK, 'findings', name);
  mkdirSync(workDir, { recursive: true });
  const seeds = readDir(join(SEEDS, name));
  const corpus = [];
  const findings = new Map();
  const report = (input, kind, detail) => {
    // One finding per kind of failure: the message up to its first colon (invariants, slowness), or the error and
    // the line of our code that threw it (crashes).
    const frame = /\(?(\/[^)\s]*dist\/src\/[^)\s]+)/.exec(detail)?.[1] ?? '';
    const key = kind === 'crash' ? `${detail.split('\n')[0].slice(0, 80)} ${frame}` : `${kind}: ${detail.split(':')[kind === 'invariant' ? 1 : 0]}`;
    if (findings.has(key)) return;
    findings.set(key, { kind, detail, file: join(findingsDir, sha(input)) });
    mkdirSync(findingsDir, { recursive: true });
    writeFileSync(join(findingsDir, sha(input)), input);
    writeFileSync(join(findingsDir, `${sha(input)}.txt`), `${key}\n\n${detail}\n`);
  };
  /** Runs one input: its error or slowness is reported; returns the features it reached. */
  const runOne = (input) => {
    const t0 = cpuMs();
    const err = execute(target, input);
    const ms = cpuMs() - t0;
    if (err) report(input, err instanceof Error && err.name === 'InvariantError' ? 'invariant' : 'crash', err instanceof Error ? (err.stack ?? err.message) : String(err));
    else if (ms > o.slowMs) {
      const again = Math.min(
        ...[0, 1].map(() => {
          const t = cpuMs();
          execute(target, input);
          return cpuMs() - t;
        }),
      );
      if (again > o.slowMs) report(input, 'slow', `${again.toFixed(0)} ms of CPU for ${input.length} bytes`);
    }
  };
  const tryInput = (input) => {
    runOne(input);
    return cov.add(cov.take());
  };
  const initial = [...seeds, ...readDir(workDir)];
  if (initial.length === 0) initial.push(Buffer.alloc(0));
  cov.take(); // drop whatever ran before this target
  for (const input of initial) {
    if (tryInput(input) > 0 || corpus.length === 0) corpus.push(input);
  }
  const start = { corpus: corpus.length, ...cov.summary() };
  const t0 = Date.now();
  let execs = 0;
  let kept = 0;
  // Taking coverage costs far more than a run, so inputs run in batches under one coverage snapshot; only a batch
  // that reached something new is run again input by input, to keep exactly the inputs that did.
  const BATCH = 32;
  while (Date.now() - t0 < budgetMs) {
    const batch = [];
    for (let i = 0; i < BATCH; i++) {
      // Recent entries are picked more often: they are where new coverage was just found.
      const base = r.next() < 0.5 ? corpus[corpus.length - 1 - r.int(Math.min(corpus.length, 16))] : r.pick(corpus);
      batch.push(mutate(r, base, corpus, target.dict ?? [], o.maxLen));
    }
    for (const input of batch) runOne(input);
    execs += batch.length;
    if (!cov.anyNew(cov.take())) continue;
    for (const input of batch) {
      execs++;
      if (tryInput(input) > 0) {
        corpus.push(input);
        kept++;
        writeFileSync(join(workDir, sha(input)), input);
      }
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  return { target: name, seed, seconds: Number(seconds.toFixed(1)), execs, execsPerSecond: Math.round(execs / seconds), seeds: seeds.length, corpusStart: start.corpus, corpusEnd: corpus.length, kept, start, end: cov.summary(), findings: [...findings.values()] };
}

async function main() {
  const o = options(process.argv.slice(2));
  const { TARGETS } = await import('./targets.mjs');
  if (o.replay) {
    const name = basename(dirname(o.replay));
    const target = TARGETS[name];
    if (!target) throw new Error(`--replay expects a file under test/fuzz/work/findings/<target>/; no target ${name}`);
    const input = readFileSync(o.replay);
    const t = cpuMs();
    const err = execute(target, input);
    console.log(`${name}: ${input.length} bytes, ${(cpuMs() - t).toFixed(1)} ms CPU: ${err ? (err.stack ?? err) : 'no finding'}`);
    process.exitCode = err ? 1 : 0;
    return;
  }
  const names = o.targets ?? Object.keys(TARGETS);
  for (const n of names) if (!TARGETS[n]) throw new Error(`no target ${n}; targets: ${Object.keys(TARGETS).join(', ')}`);
  const seed = o.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
  console.log(`fuzzing ${names.length} target(s) for ${o.seconds} s in total, seed ${seed} (replay the same mutations with --seed ${seed})`);
  const results = [];
  for (const [i, n] of names.entries()) {
    const res = fuzzTarget(n, TARGETS[n], (o.seconds * 1000) / names.length, o, (seed + i * 0x9e3779b9) >>> 0);
    results.push(res);
    console.log(
      `${n.padEnd(16)} ${String(res.execs).padStart(8)} execs (${res.execsPerSecond}/s)  corpus ${res.corpusStart}→${res.corpusEnd}  ` +
        `blocks ${res.start.blocks}→${res.end.blocks} of ${res.end.knownBlocks} known in ${res.end.functions} functions  findings ${res.findings.length}`,
    );
    for (const f of res.findings) console.log(`  ${f.kind}: ${f.detail.split('\n')[0]}\n    replay: node test/fuzz/run.mjs --replay ${f.file}`);
  }
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, seed, seconds: o.seconds, results }, null, 2)}\n`);
  const total = results.reduce((a, x) => a + x.findings.length, 0);
  console.log(`${results.reduce((a, x) => a + x.execs, 0)} executions, ${total} finding(s); results in test/fuzz/work/results.json`);
  process.exitCode = total > 0 ? 1 : 0;
}

main().catch((e) => {
  console.error(e.stack ?? e);
  process.exitCode = 2;
});
