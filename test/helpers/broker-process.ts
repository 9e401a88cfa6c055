// Starts a real `tributary serve` process for integration tests and tears it down again.
// The broker is told to listen on port 0 and the test learns the real port from its "kafka listener on HOST:PORT"
// stdout line, so tests run in parallel without port clashes. Call stopAllBrokers() in afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { withCoreMallocEnv } from '../../src/common/malloc-env.js';

export const TRIBUTARY_BIN = fileURLToPath(new URL('../../bin/tributary.js', import.meta.url));
const BUILT_ENTRY = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
/** The bin shim runs dist/, so tests that spawn it need `npm run build` first (`npm test` does that). */
export function assertBuilt(): void {
  if (!existsSync(BUILT_ENTRY)) throw new Error('dist/ is missing: run `npm run build` before these tests');
}

const LISTENER_LINE = /kafka listener on ([\d.]+):(\d+)/;

export interface StartBrokerOptions {
  /** Reuse a data directory (e.g. to restart after kill9()); by default a fresh temp dir, removed by stopAllBrokers(). */
  dataDir?: string;
  /** Extra `serve` flags. `--kafka 127.0.0.1:0` and `--http 127.0.0.1:0` are added unless these contain them. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the listener line; the error then includes everything the broker printed. */
  timeoutMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BrokerProcess {
  /** Address to connect to (0.0.0.0 becomes 127.0.0.1). */
  host: string;
  port: number;
  /** "host:port", ready for --bootstrap or a kafkajs `brokers` entry. */
  bootstrap: string;
  dataDir: string;
  proc: ChildProcess;
  /** Every stdout/stderr line so far, kept up to date while the broker runs. */
  stdout: string[];
  stderr: string[];
  /** Resolves when the process has exited, however that happened. */
  exited: Promise<Exit>;
  /** Resolves with the first stdout/stderr line (past or future) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (SIGTERM by default) and waits for exit; SIGKILLs if it takes longer than 15 s. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** Simulates a crash: SIGKILL, no chance to flush. */
  kill9(): Promise<Exit>;
}

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();

// If the test runner dies without afterAll, do not leave brokers behind holding ports and files.
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

function describeOutput(stdout: string[], stderr: string[]): string {
  const tail = (lines: string[]): string => lines.slice(-50).join('\n') || '(nothing)';
  return `stdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<BrokerProcess> {
  assertBuilt();
  let dataDir = options.dataDir;
  if (dataDir === undefined) {
    dataDir = await mkdtemp(join(tmpdir(), 'tributary-test-'));
    tempDirs.add(dataDir);
  }
  const extra = options.args ?? [];
  const listen = extra.includes('--kafka') || extra.includes('--listeners') ? [] : ['--kafka', '127.0.0.1:0'];
  // The API's default port (9300) would clash between brokers running side by side.
  if (!extra.includes('--http')) listen.push('--http', '127.0.0.1:0');
  const args = [TRIBUTARY_BIN, 'serve', '--data-dir', dataDir, ...listen, ...extra];
  // With the core's malloc settings already set, `serve` runs in place rather than again as its own child
  // (bin/relaunch.js): the pid these tests signal (kill9 above all) is the broker's.
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: withCoreMallocEnv(options.env ?? process.env) });
  running.add(proc);

  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers = new Set<(line: string) => void>();
  const collect = (into: string[]) => (line: string) => {
    into.push(line);
    for (const watcher of watchers) watcher(line);
  };
  createInterface({ input: proc.stdout! }).on('line', collect(stdout));
  createInterface({ input: proc.stderr! }).on('line', collect(stderr));

  // 'close' rather than 'exit': it comes after the last stdout/stderr line has been read.
  const exited = new Promise<Exit>((resolve) => {
    proc.once('close', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    });
  });

  const waitForLine = (pattern: RegExp, timeoutMs = 10_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const seen = [...stdout, ...stderr].find((line) => pattern.test(line));
      if (seen !== undefined) return resolve(seen);
      const finish = (err: Error | null, line?: string): void => {
        clearTimeout(timer);
        watchers.delete(watcher);
        if (err) reject(err);
        else resolve(line!);
      };
      const watcher = (line: string): void => {
        if (pattern.test(line)) finish(null, line);
      };
      const timer = setTimeout(
        () => finish(new Error(`broker printed no line matching ${pattern} within ${timeoutMs} ms\n${describeOutput(stdout, stderr)}`)),
        timeoutMs,
      );
      watchers.add(watcher);
      void exited.then(({ code, signal }) =>
        finish(new Error(`broker exited (${code ?? signal}) before printing ${pattern}\n${describeOutput(stdout, stderr)}`)),
      );
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    }
    return exited;
  };

  let listenerLine: string;
  try {
    listenerLine = await waitForLine(LISTENER_LINE, options.timeoutMs ?? 20_000);
  } catch (err) {
    await stop('SIGKILL');
    throw new Error(`could not start \`tributary ${args.slice(1).join(' ')}\`: ${(err as Error).message}`);
  }
  const [, listenHost, port] = LISTENER_LINE.exec(listenerLine)!;
  const host = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost!;

  return {
    host,
    port: Number(port),
    bootstrap: `${host}:${port}`,
    dataDir,
    proc,
    stdout,
    stderr,
    exited,
    waitForLine,
    stop,
    kill9: () => stop('SIGKILL'),
  };
}

/** Stops every broker this helper started (SIGTERM, then SIGKILL) and removes the temp dirs it created. */
export async function stopAllBrokers(): Promise<void> {
  await Promise.all(
    [...running].map(
      (proc) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
          proc.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          proc.kill('SIGTERM');
        }),
    ),
  );
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}
