// `tributary serve` runs the core with glibc's malloc settings (src/common/malloc-env.ts): launched without them, it
// runs again as its own child with them (bin/relaunch.js). For real: the core's environment read from /proc, signals
// sent to the launcher, exit codes and signals seen by whoever started it.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CORE_MALLOC_ENV } from '../../src/common/malloc-env.js';
import { assertBuilt, TRIBUTARY_BIN } from '../helpers/broker-process.js';
import { spawnLines, type LineProcess } from '../helpers/line-process.js';
import { waitUntil } from '../helpers/wait-until.js';

const linux = process.platform === 'linux';
const UI_LINE = /^ui on http:\/\/127\.0\.0\.1:\d+\//;
const SETTINGS = Object.keys(CORE_MALLOC_ENV);

let procs: LineProcess[] = [];
const extraPids: number[] = [];
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL');
  for (const pid of extraPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  procs = [];
});

/** The environment of the test runner without the settings (and without an opt-out), plus `extra`. */
function envWithout(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of [...SETTINGS, 'TRIBUTARY_MALLOC_ENV', 'TRIBUTARY_LAUNCHER_FD']) delete env[k];
  return { ...env, ...extra };
}

/** `tributary serve` in a process group of its own (as a terminal's foreground job), so a test can signal the group. */
function serve(env: NodeJS.ProcessEnv, args: string[] = []): LineProcess {
  assertBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-relaunch-'));
  const p = spawnLines(process.execPath, [TRIBUTARY_BIN, 'serve', '--data-dir', dataDir, '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0', ...args], { env, name: 'serve', detached: true });
  procs.push(p);
  return p;
}

function children(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

function environ(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Serve started without the settings, up (its UI line printed); returns the launcher and the core's pid. */
async function relaunchedServe(): Promise<{ launcher: LineProcess; core: number }> {
  const launcher = serve(envWithout());
  await waitUntil('the ui line', () => launcher.lines.some((l) => UI_LINE.test(l)), { timeoutMs: 60_000, details: () => launcher.describe() });
  const kids = children(launcher.proc.pid!);
  expect(kids).toHaveLength(1);
  extraPids.push(kids[0]!);
  return { launcher, core: kids[0]! };
}

describe.skipIf(!linux)('tributary serve and glibc malloc settings', () => {
  it('runs the core as a child with the settings in its environment, in a session of its own, and stops it on SIGTERM', async () => {
    const { launcher, core } = await relaunchedServe();
    const coreEnv = environ(core);
    for (const [k, v] of Object.entries(CORE_MALLOC_ENV)) expect(coreEnv[k]).toBe(v);
    for (const k of SETTINGS) expect(environ(launcher.proc.pid!)[k]).toBeUndefined();
    // A session of its own: the terminal's Ctrl-C reaches the launcher only, which passes it on once.
    const sid = Number(readFileSync(`/proc/${core}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]);
    expect(sid).toBe(core);
    expect(await launcher.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(launcher.lines.join('\n') + launcher.stderr.join('\n')).toMatch(/clean shutdown complete/);
    expect(alive(core)).toBe(false);
  }, 120_000);

  it("passes a terminal's Ctrl-C on once: a clean shutdown and exit code 0, not the second-signal exit", async () => {
    const { launcher } = await relaunchedServe();
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground job's group.
    process.kill(-launcher.proc.pid!, 'SIGINT');
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
    const out = [...launcher.lines, ...launcher.stderr].join('\n');
    expect(out).toMatch(/SIGINT: shutting down/);
    expect(out).not.toMatch(/second SIGINT/);
  }, 120_000);

  it('dies of the signal that killed the core, and passes on signals it does not handle itself (SIGUSR2)', async () => {
    const { launcher, core } = await relaunchedServe();
    // The core does not handle SIGUSR2, so it dies of it: the launcher forwarded it and mirrors the death.
    launcher.proc.kill('SIGUSR2');
    expect(await launcher.exited).toEqual({ code: null, signal: 'SIGUSR2' });
    expect(alive(core)).toBe(false);
  }, 120_000);

  it("exits with the core's exit code (a configuration error: 1)", async () => {
    const p = serve(envWithout(), ['--config', '/nonexistent/tributary-config.json']);
    const exit = await p.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(p.stderr.join('\n')).toMatch(/tributary serve:/);
  }, 120_000);

  it('when the launcher is killed outright, the core notices and shuts down cleanly instead of running on', async () => {
    const { launcher, core } = await relaunchedServe();
    launcher.proc.kill('SIGKILL');
    await launcher.exited;
    await waitUntil('the core to exit', () => !alive(core), { timeoutMs: 30_000 });
    // Its stdout is still the test's pipe: it says how it ended.
    expect(launcher.lines.join('\n') + launcher.stderr.join('\n')).toMatch(/SIGTERM: shutting down/);
  }, 120_000);

  it('runs in place under a debugger (node --inspect): the process debugged is the core', async () => {
    assertBuilt();
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-relaunch-'));
    const p = spawnLines(process.execPath, ['--inspect=127.0.0.1:0', TRIBUTARY_BIN, 'serve', '--data-dir', dataDir, '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0'], { env: envWithout(), name: 'serve --inspect' });
    procs.push(p);
    await waitUntil('the ui line', () => p.lines.some((l) => UI_LINE.test(l)), { timeoutMs: 60_000, details: () => p.describe() });
    expect(children(p.proc.pid!)).toEqual([]);
    expect(p.stderr.join('\n')).toMatch(/Debugger listening/);
    expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('runs in place when the environment has the settings (the user’s own value wins) or opts out', async () => {
    for (const env of [envWithout(Object.fromEntries(SETTINGS.map((k) => [k, '262144']))), envWithout({ TRIBUTARY_MALLOC_ENV: '0' })]) {
      const p = serve(env);
      await waitUntil('the ui line', () => p.lines.some((l) => UI_LINE.test(l)), { timeoutMs: 60_000, details: () => p.describe() });
      expect(children(p.proc.pid!)).toEqual([]);
      const own = environ(p.proc.pid!);
      for (const k of SETTINGS) expect(own[k]).toBe(env[k]);
      expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  }, 180_000);
});
