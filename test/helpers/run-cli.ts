// Runs the built `tributary` CLI as a user would (a separate node process), for CLI and end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TRIBUTARY_BIN } from './broker-process.js';
import { runTool, type ToolResult } from './run-tool.js';

export interface CliOptions {
  /** Sets TRIBUTARY_BOOTSTRAP, so the command line stays as a user would type it. */
  bootstrap?: string;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  timeoutMs?: number;
}

function cliEnv(bootstrap: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.TRIBUTARY_BOOTSTRAP;
  return bootstrap === undefined ? env : { ...env, TRIBUTARY_BOOTSTRAP: bootstrap };
}

/** Runs `tributary ...args` to completion. */
export function runCli(args: string[], options: CliOptions = {}): Promise<ToolResult> {
  return runTool(process.execPath, [TRIBUTARY_BIN, ...args], {
    input: options.input,
    timeoutMs: options.timeoutMs ?? 60_000,
    env: cliEnv(options.bootstrap),
  });
}

export interface RunningCli {
  proc: ChildProcess;
  /** stdout lines so far. */
  lines: string[];
  stderr: string[];
  /** Resolves once stdout has at least `count` lines; rejects after `timeoutMs` with what was printed. */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  /** Sends `signal` (SIGINT, like Ctrl-C, by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running command (e.g. `consume --follow`) and lets the test watch its output. */
export function startCli(args: string[], options: Omit<CliOptions, 'input'> = {}): RunningCli {
  const proc = spawn(process.execPath, [TRIBUTARY_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cliEnv(options.bootstrap),
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: proc.stderr! }).on('line', (line) => stderr.push(line));
  const closed = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));

  const waitForLines = async (count: number, timeoutMs = 15_000): Promise<string[]> => {
    const deadline = Date.now() + timeoutMs;
    while (lines.length < count) {
      if (proc.exitCode !== null) throw new Error(`tributary ${args.join(' ')} exited early:\n${stderr.join('\n')}`);
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} lines within ${timeoutMs} ms, got ${lines.length}:\n${lines.slice(-20).join('\n')}\nstderr:\n${stderr.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return lines.slice(0, count);
  };

  const stop = async (signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> => {
    if (proc.exitCode === null) proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const code = await closed;
    clearTimeout(timer);
    return code;
  };

  return { proc, lines, stderr, waitForLines, stop };
}
