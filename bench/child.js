// Child processes for the benchmark: every one has a deadline, and every live one is killed if the harness exits.
import { spawn, spawnSync } from 'node:child_process';

const live = new Set();
const STDERR_TAIL = 4096;

/** Kill every child still running (used on exit, error and signals). Synchronous so it works in 'exit' handlers. */
export function killAllChildren() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Spawn and register a child so that killAllChildren() reaches it. */
export function spawnTracked(cmd, args, options = {}) {
  const child = spawn(cmd, args, options);
  live.add(child);
  child.on('exit', () => live.delete(child));
  child.on('error', () => live.delete(child));
  return child;
}

/** Keep the last few KB of a stream, for error messages. */
export function tail(stream) {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (s) => {
    text = (text + s).slice(-STDERR_TAIL);
  });
  return () => text.trim();
}

/**
 * Run a command to completion within timeoutMs. Resolves with { code, elapsedMs, stderr } when it exits 0;
 * rejects (after killing it) on timeout, on a non-zero exit or when it cannot be started.
 * `onStdout(chunk)` receives raw stdout Buffers when given; otherwise stdout is ignored.
 */
export function runCommand(cmd, args, { timeoutMs, label = cmd, onStdout, env } = {}) {
  if (!timeoutMs) throw new Error(`runCommand(${label}) needs a timeout`);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawnTracked(cmd, args, { stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe'], env: env ?? process.env });
    const stderr = tail(child.stderr);
    if (onStdout) child.stdout.on('data', onStdout);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${label}: cannot start ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (timedOut) reject(new Error(`${label}: timed out after ${timeoutMs} ms and was killed. stderr:\n${stderr()}`));
      else if (code !== 0) reject(new Error(`${label}: exited with ${code ?? signal}. stderr:\n${stderr()}`));
      else resolve({ code, elapsedMs, stderr: stderr() });
    });
  });
}

/** Resolve with the first stdout line matching `re` (its match), or reject on exit/timeout first. */
export function waitForLine(child, re, timeoutMs, label) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (s) => {
      buf += s;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = re.exec(line);
        if (m) return finish(null, m);
      }
    };
    const onExit = (code, signal) => finish(new Error(`${label} exited (${code ?? signal}) before printing a line matching ${re}`));
    const timer = setTimeout(() => finish(new Error(`${label} printed no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
    function finish(err, m) {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m);
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}

/** kcat's path and version line, or a clear error telling the user how to get it. */
export function findKcat() {
  const cmd = process.env.KCAT ?? 'kcat';
  const r = spawnSync(cmd, ['-V'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) {
    const why = r.error?.code === 'ENOENT' ? 'was not found' : `did not run (${r.error?.message ?? `exit status ${r.status}`})`;
    throw new Error(
      `kcat (${cmd}) ${why}. The throughput scenarios drive the broker with kcat (librdkafka). ` +
        `Install it (Debian/Ubuntu: apt-get install kcat; macOS: brew install kcat) or point KCAT=/path/to/kcat at it.`,
    );
  }
  const m = /Version (\S+).*librdkafka ([\d.]+)/.exec(r.stdout);
  return { cmd, version: m ? `${m[1]} (librdkafka ${m[2]})` : 'unknown' };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reject if `promise` does not settle within ms. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
