#!/usr/bin/env node
// `npm start`: build what is out of date, then open the desktop app (Electron) — or, where the Electron binary is not
// installed, say so in one line and run `tributary serve` in this terminal (it prints the UI's URL). Arguments after
// `npm start --` go to `tributary serve` (e.g. `--data-dir DIR --kafka 127.0.0.1:0 --http 127.0.0.1:0`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relaunchWithEnv } from './relaunch.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliEntry = join(root, 'dist', 'src', 'cli', 'main.js');
const shellEntry = join(root, 'dist', 'main', 'index.js');

/** Newest modification time of the TypeScript sources under `dir` (0 when there are none, as in an installed package). */
function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.c?ts$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const outputs = [cliEntry, shellEntry].filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs);
  const builtAt = outputs.length === 2 ? Math.min(...outputs) : 0;
  if (builtAt > 0 && newestSource(join(root, 'src')) <= builtAt && newestSource(join(root, 'main')) <= builtAt) return;
  if (!existsSync(join(root, 'node_modules', 'typescript'))) {
    if (existsSync(cliEntry)) return; // an installed package: dist/ is what there is
    process.stderr.write('error: tributary is not built and TypeScript is not installed — run `npm install` first\n');
    process.exit(1);
  }
  process.stderr.write('building (npm run build)…\n');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/**
 * The Electron executable when it is really there. Not `require('electron')`: since Electron 41 that downloads the
 * binary on first use, which must not happen behind a user's back (and cannot on machines without the network).
 * Mirrors node_modules/electron/index.js: `path.txt` names the executable under `dist/`, or ELECTRON_OVERRIDE_DIST_PATH.
 */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const exe = override ? join(override, name || 'electron') : name ? join(pkg, 'dist', name) : null;
  return exe && existsSync(exe) ? exe : null;
}

buildIfNeeded();
const headless = Boolean(process.env.TRIBUTARY_HEADLESS);
const electron = headless ? null : electronBinary();
if (electron) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // set, it would make Electron a plain Node and ignore the app
  const child = spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else if (!relaunchWithEnv((await import(new URL('../dist/src/common/malloc-env.js', import.meta.url).href)).missingCoreMallocEnv(process.env))) {
  // (Relaunched with glibc's malloc settings when they were missing, as `tributary serve` is: see bin/relaunch.js.)
  process.stdout.write(
    headless
      ? 'TRIBUTARY_HEADLESS is set, so the app runs as `tributary serve`: open the "ui on" URL below in a browser.\n'
      : 'The Electron binary is not installed (`npx install-electron` downloads it), so the app runs as `tributary serve`: open the "ui on" URL below in a browser.\n',
  );
  const { main } = await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
  await main([process.argv[0], process.argv[1], 'serve', ...process.argv.slice(2)]);
}
