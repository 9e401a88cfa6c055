// The supervisor with the real core: src/app/desktop-core-main.ts (as built in dist/) runs in a Node child process
// that plays Electron's utility process (process.parentPort over Node's IPC channel). Killed with SIGKILL, it is
// restarted and serves the UI again from the same data; a bad config is reported with the core's own words and given
// up on; a stop flushes and exits 0. Needs `npm run build` (npm test runs it first).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoreSupervisor, type CoreChild, type CoreState } from '../../main/core-supervisor.js';
import { waitUntil } from '../helpers/wait-until.js';

const entry = fileURLToPath(new URL('../../dist/src/app/desktop-core-main.js', import.meta.url));

/** A file that gives the child what Electron gives a utility process, then runs the real entry. */
function shim(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-core-shim-'));
  const file = join(dir, 'utility-process.mjs');
  writeFileSync(
    file,
    `process.parentPort = {
  postMessage: (m) => process.send(m),
  on: (ev, fn) => process.on(ev, (data) => fn({ data })),
};
process.channel?.unref();
await import(${JSON.stringify(pathToFileURL(entry).href)});
`,
  );
  return file;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  running.length = 0;
});

function supervise(args: string[]) {
  const states: CoreState[] = [];
  const log: string[] = [];
  const file = shim();
  const children: ChildProcess[] = [];
  const sup = new CoreSupervisor({
    fork: () => {
      const c = fork(file, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'info' } });
      running.push(c);
      children.push(c);
      const child: CoreChild = {
        on: (event, listener) => (event === 'exit' ? c.on('exit', (code, signal) => listener(code ?? (signal ? 128 + 9 : 0))) : c.on(event, listener)),
        postMessage: (m) => void c.send(m),
        kill: () => c.kill('SIGTERM'),
        stdout: c.stdout,
        stderr: c.stderr,
      };
      return child;
    },
    onState: (s) => states.push(s),
    onLog: (l) => log.push(l),
    backoffMs: [200, 400],
    maxStartFailures: 2,
  });
  const last = () => states[states.length - 1];
  const details = () => `states: ${JSON.stringify(states)}\nlog:\n${log.slice(-15).join('\n')}`;
  return { sup, states, log, children, last, details };
}

describe('the core under the supervisor (real processes)', () => {
  beforeAll(() => {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  });

  it('restarts after SIGKILL and serves the same data again; a stop exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-desktop-data-'));
    const configFile = join(dataDir, '..', `${dataDir.split('/').pop()}.json`);
    writeFileSync(configFile, JSON.stringify({ kafka: '127.0.0.1:0' }));
    const h = supervise(['--data-dir', dataDir, '--config', configFile]);
    h.sup.start();
    await waitUntil('the core to be ready', () => h.last()?.kind === 'running', { timeoutMs: 60_000, details: h.details });
    const first = h.last() as Extract<CoreState, { kind: 'running' }>;
    expect(first.ready.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.ready.dataDir).toBe(dataDir);
    // The window's first request: the token URL sets the cookie and sends the page to /.
    const signIn = await fetch(first.ready.uiUrl, { redirect: 'manual' });
    expect(signIn.status).toBe(302);
    expect(signIn.headers.get('set-cookie')).toMatch(/HttpOnly/);
    const auth = { authorization: `Bearer ${first.ready.token}` };
    expect((await fetch(`${first.ready.origin}/api/v1/topics`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'kept', partitions: 1 }) })).status).toBe(201);

    h.children[0]!.kill('SIGKILL');
    await waitUntil('a restart', () => h.states.some((s) => s.kind === 'restarting'), { timeoutMs: 30_000, details: h.details });
    expect(h.states.find((s) => s.kind === 'restarting')).toMatchObject({ inMs: 200, reason: expect.stringMatching(/exit code 137/) });
    await waitUntil('the restarted core to be ready', () => h.last()?.kind === 'running' && h.children.length === 2, { timeoutMs: 60_000, details: h.details });
    const second = h.last() as Extract<CoreState, { kind: 'running' }>;
    expect(second.ready.token).toBe(first.ready.token); // the token file is reused, so the cookie stays valid
    const topics = (await (await fetch(`${second.ready.origin}/api/v1/topics`, { headers: { authorization: `Bearer ${second.ready.token}` } })).json()) as { topics: { name: string }[] };
    expect(topics.topics.map((t) => t.name)).toContain('kept');

    const exited = new Promise<number | null>((resolve) => h.children[1]!.once('exit', (code) => resolve(code)));
    await h.sup.stop();
    expect(await exited).toBe(0);
    expect(h.last()).toEqual({ kind: 'stopped' });
  }, 180_000);

  it("surfaces a configuration error in the core's words and gives up", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-desktop-bad-'));
    const configFile = join(dataDir, '..', `${dataDir.split('/').pop()}-bad.json`);
    writeFileSync(configFile, JSON.stringify({ kafka: '127.0.0.1:0', maxConnections: 'many' }));
    const h = supervise(['--data-dir', dataDir, '--config', configFile]);
    h.sup.start();
    await waitUntil('the supervisor to give up', () => h.last()?.kind === 'failed', { timeoutMs: 60_000, details: h.details });
    expect(h.children).toHaveLength(2);
    const failed = h.last() as Extract<CoreState, { kind: 'failed' }>;
    expect(failed.reason).toMatch(/^configuration error: .*maxConnections.* \(exit code 1\)$/);
  }, 180_000);
});
