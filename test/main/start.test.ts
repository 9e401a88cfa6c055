// `npm start` (bin/start.js) for real: without the Electron binary it says so in one line and runs `tributary serve`
// (printing the UI URL, which works); with one it launches it on the app with the arguments given. The Electron binary
// is never downloaded: a stand-in executable plays it (ELECTRON_OVERRIDE_DIST_PATH, which Electron's own launcher reads).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnLines, type LineProcess } from '../helpers/line-process.js';
import { waitUntil } from '../helpers/wait-until.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const start = join(root, 'bin', 'start.js');
const UI_LINE = /^ui on (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)$/;

let proc: LineProcess | null = null;
afterEach(async () => {
  await proc?.stop('SIGKILL');
  proc = null;
});

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e = { ...process.env, ...extra };
  delete e.TRIBUTARY_HEADLESS;
  return e;
}

describe('npm start', () => {
  it('without the Electron binary: one line saying so, then `tributary serve` with a working UI URL', async () => {
    const noElectron = mkdtempSync(join(tmpdir(), 'tributary-no-electron-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-start-data-'));
    proc = spawnLines(process.execPath, [start, '--data-dir', dataDir, '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0'], {
      env: env({ ELECTRON_OVERRIDE_DIST_PATH: noElectron }),
    });
    await waitUntil('the ui line', () => proc!.lines.some((l) => UI_LINE.test(l)), { timeoutMs: 120_000, details: () => proc!.describe() });
    const mentions = [...proc.lines, ...proc.stderr].filter((l) => /electron/i.test(l));
    expect(mentions).toEqual(['The Electron binary is not installed (`npx install-electron` downloads it), so the app runs as `tributary serve`: open the "ui on" URL below in a browser.']);
    expect(proc.lines[0]).toBe(mentions[0]);
    const [, origin, token] = UI_LINE.exec(proc.lines.find((l) => UI_LINE.test(l))!)!;
    const signIn = await fetch(`${origin}/?token=${token}`, { redirect: 'manual' });
    expect(signIn.status).toBe(302);
    expect(signIn.headers.get('location')).toBe('/');
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${origin}/`, { headers: { cookie } })).status).toBe(200);
    expect((await proc.stop('SIGINT')).code).toBe(0);
  }, 180_000);

  it('with the Electron binary: launches it on the app directory with the arguments, and exits with its code', () => {
    const dist = mkdtempSync(join(tmpdir(), 'tributary-fake-electron-'));
    const exe = join(dist, 'electron');
    writeFileSync(exe, '#!/bin/sh\nprintf "%s\\n" "fake electron" "$@"\nprintf "run-as-node=%s\\n" "$ELECTRON_RUN_AS_NODE"\nexit 3\n');
    chmodSync(exe, 0o755);
    const r = spawnSync(process.execPath, [start, '--data-dir', '/tmp/x'], { env: env({ ELECTRON_OVERRIDE_DIST_PATH: dist, ELECTRON_RUN_AS_NODE: '1' }), encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(3);
    expect(r.stdout.split('\n')).toEqual(['fake electron', root.replace(/\/$/, ''), '--data-dir', '/tmp/x', 'run-as-node=', '']);
  }, 180_000);

  it('TRIBUTARY_HEADLESS runs `tributary serve` even where Electron is installed', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'tributary-fake-electron-'));
    writeFileSync(join(dist, 'electron'), '#!/bin/sh\necho "must not run"\nexit 9\n');
    chmodSync(join(dist, 'electron'), 0o755);
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-start-headless-'));
    proc = spawnLines(process.execPath, [start, '--data-dir', dataDir, '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0'], {
      env: { ...env({ ELECTRON_OVERRIDE_DIST_PATH: dist }), TRIBUTARY_HEADLESS: '1' },
    });
    await waitUntil('the ui line', () => proc!.lines.some((l) => UI_LINE.test(l)), { timeoutMs: 120_000, details: () => proc!.describe() });
    expect(proc.lines[0]).toMatch(/^TRIBUTARY_HEADLESS is set, so the app runs as `tributary serve`/);
    expect(proc.lines).not.toContain('must not run');
  }, 180_000);
});
