// Runs the core with glibc's malloc settings (src/common/malloc-env.ts). glibc reads them only when a process starts,
// and Node cannot exec itself, so a launcher that finds them missing starts this same command once more as a child
// with them set, and stands in for it: signals go to the child once each, its exit code (or signal) becomes ours.
//
// The child runs in a session of its own (detached): a terminal's Ctrl-C then reaches only this launcher, which
// forwards it once; in the launcher's process group the child would get it twice, and a second SIGINT means "exit
// without a clean shutdown". The child holds one end of a pipe to the launcher: if the launcher dies without passing
// anything on (SIGKILL), the pipe's end tells the child, which shuts down cleanly instead of running on unowned.
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { constants } from 'node:os';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];
const LAUNCHER_FD_ENV = 'TRIBUTARY_LAUNCHER_FD';

/**
 * In the launcher: when `missing` (settings the environment lacks) is not empty (Linux only: they are glibc's), run this
 * command again as a child with them added and return true (the caller then does nothing more; the process exits as
 * the child does). In the child, or when there is nothing to add: watch the launcher if there is one, and return false.
 */
export function relaunchWithEnv(missing) {
  if (process.env[LAUNCHER_FD_ENV] !== undefined) {
    watchLauncher(Number(process.env[LAUNCHER_FD_ENV]));
    return false;
  }
  if (process.platform !== 'linux') return false;
  if (Object.keys(missing).length === 0) return false;
  // Under a debugger (node --inspect …) the process being debugged must be the core itself, not a launcher whose child
  // would find the inspector's port taken.
  if (process.execArgv.some((a) => a.startsWith('--inspect')) || /--inspect/.test(process.env.NODE_OPTIONS ?? '')) return false;
  const env = { ...process.env, ...missing, [LAUNCHER_FD_ENV]: '3' };
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env,
    detached: true,
  });
  const forward = (signal) => () => child.kill(signal);
  const handlers = FORWARDED.map((s) => [s, forward(s)]);
  for (const [s, h] of handlers) process.on(s, h);
  child.on('error', (e) => {
    process.stderr.write(`tributary: could not start ${process.argv.slice(1).join(' ')}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so whoever waits for us sees what the child saw.
      for (const [s, h] of handlers) process.off(s, h);
      process.kill(process.pid, signal);
      // A signal Node ignores (SIGPIPE) does not end us: exit as a shell reports a death by signal.
      setImmediate(() => process.exit(128 + (constants.signals[signal] ?? 0)));
      return;
    }
    process.exit(code ?? 1);
  });
  return true;
}

/** In the child: when the launcher's end of the pipe closes before we exit, the launcher is gone; stop cleanly. */
function watchLauncher(fd) {
  // Not for the core's own children (agents, tools it runs): they have no such pipe.
  delete process.env[LAUNCHER_FD_ENV];
  let pipe;
  try {
    pipe = new Socket({ fd, readable: true, writable: false });
  } catch {
    return; // no pipe there (someone set the variable by hand)
  }
  pipe.on('error', () => {});
  pipe.once('close', () => process.kill(process.pid, 'SIGTERM'));
  pipe.resume();
  // The watch must not keep the process alive on its own.
  pipe.unref();
}
