#!/usr/bin/env node
// Builds the GUI (renderer/, a Svelte + Vite app with its own package.json) into renderer/dist, which
// `tributary serve` serves at /. The renderer has its own dependencies (Vite 8 cannot share node_modules with
// vitest's Vite 7), installed here with `npm ci` when missing or older than renderer/package-lock.json, so a plain
// `npm install` (its `prepare` runs `npm run build`) or `npm ci` at the root is all a fresh clone needs.
// `--check` also type-checks the Svelte components (svelte-check).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const renderer = join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
const check = process.argv.includes('--check');
// List rows are clickable divs; the keyboard reaches them through j/k/Enter (one global handler), not per row.
const A11Y_ROWS = 'a11y_click_events_have_key_events:ignore,a11y_no_static_element_interactions:ignore';

function run(cmd, args) {
  // npm_config_* of the outer `npm install` (global, prefix, save flags…) must not leak into the renderer's install.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k) || /^npm_config_(registry|cache|userconfig)$/i.test(k)));
  const r = spawnSync(cmd, args, { cwd: renderer, stdio: 'inherit', env, shell: process.platform === 'win32' });
  if (r.status !== 0) {
    process.stderr.write(`error: \`${cmd} ${args.join(' ')}\` in renderer/ failed (exit ${r.status ?? r.signal}); the GUI was not built\n`);
    process.exit(1);
  }
}

function installed() {
  const lock = join(renderer, 'package-lock.json');
  const done = join(renderer, 'node_modules', '.package-lock.json');
  if (!existsSync(done)) return false;
  // npm writes node_modules/.package-lock.json as the lock's packages (without the root): same versions, installed.
  const want = JSON.parse(readFileSync(lock, 'utf8')).packages;
  const have = JSON.parse(readFileSync(done, 'utf8')).packages;
  return Object.entries(want).every(([path, p]) => path === '' || p.optional || have[path]?.version === p.version);
}

if (!installed()) run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
if (check) run(process.execPath, [join(renderer, 'node_modules', 'svelte-check', 'bin', 'svelte-check'), '--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'human', '--compiler-warnings', A11Y_ROWS]);
run(process.execPath, [join(renderer, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn']);
