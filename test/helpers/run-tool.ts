// Runs an external client (kcat, python) to completion with a hard time limit, capturing its output.
import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  /** Killed (SIGKILL) after this long; the result says timedOut. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
}

export function runTool(command: string, args: string[], opts: RunOptions = {}): Promise<ToolResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {}); // the tool may exit before reading all input; its exit status tells
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Throws with the tool's stderr when it did not exit 0, so a failing client explains itself in the test output. */
export function assertOk(r: ToolResult, what: string): ToolResult {
  if (r.code !== 0 || r.timedOut) {
    throw new Error(`${what} ${r.timedOut ? 'timed out' : `exited with ${r.code ?? r.signal}`}\nstderr:\n${r.stderr.slice(-4000)}\nstdout:\n${r.stdout.slice(-2000)}`);
  }
  return r;
}
