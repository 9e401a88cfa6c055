// A long-running external client (a kcat group member, a Python consumer) whose stdout the test reads line by line
// while it runs, and stops with a chosen signal. Every process is SIGKILLed if the test runner exits first.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LineProcess {
  proc: ChildProcess;
  /** stdout lines so far. */
  lines: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit; SIGKILLs after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines of stdout and stderr, for failure messages. */
  describe(): string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** `detached`: the process leads a process group (and session) of its own, as a job a terminal signals as a whole. */
export function spawnLines(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; name?: string; detached?: boolean } = {}): LineProcess {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, detached: options.detached ?? false });
  running.add(proc);
  const lines: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: proc.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('close', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    });
  });
  const name = options.name ?? `${command} ${args.join(' ')}`;

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  const describe = () =>
    `${name}: ${lines.length} stdout lines; last stdout:\n${lines.slice(-5).join('\n')}\nlast stderr:\n${stderr.slice(-20).join('\n')}`;
  return { proc, lines, stderr, exited, stop, describe };
}
