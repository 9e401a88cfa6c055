// How a one-shot command ends. Exiting explicitly (after stdout drains) means a stray socket or timer can never
// keep the CLI hanging once the work is done; `serve` is long-lived and deliberately not run through here.
import { CommanderError } from 'commander';
import { describeError, type ErrorContext } from './errors.js';

/** Resolves once everything written to stdout has been handed to the OS — pipes are asynchronous on macOS. */
export function flushStdout(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.destroyed || !process.stdout.writable) resolve();
    else process.stdout.write('', () => resolve());
  });
}

export async function exitWith(code: number): Promise<never> {
  await flushStdout();
  process.exit(code);
}

/**
 * Runs a command body, prints any failure as one `error:` line on stderr and exits 1; exits 0 on success.
 * `context` is read after the failure so the body can fill in what it learned (e.g. the topic).
 */
export async function runOnce(context: ErrorContext, body: () => Promise<void>): Promise<never> {
  try {
    await body();
  } catch (err) {
    if (err instanceof CommanderError) throw err; // a usage error; main() turns it into exit code 2
    process.stderr.write(`error: ${describeError(err, context)}\n`);
    if (process.env.TRIBUTARY_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    return exitWith(1);
  }
  return exitWith(0);
}

/** `consume | head` closes our stdout early; that is a normal way to stop reading, not an error. */
export function exitQuietlyOnBrokenPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/**
 * Ctrl-C (or SIGTERM) aborts the returned signal so a command can finish cleanly — send what was read, leave a
 * consumer group — and still exit 0; a second Ctrl-C exits at once.
 */
export function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
