// Real-client compatibility tests need programs outside npm (kcat, Debian's python3-kafka). Locally a missing client
// skips its tests with a warning; in CI (CI=true) it is an error, so a broken CI image can never pass silently.
import { spawnSync } from 'node:child_process';

export interface ExternalTool {
  /** What the tests call it in messages. */
  name: string;
  command: string;
  /** A cheap invocation that exits 0 only when the tool is usable. */
  probe: string[];
  /** How to get it, for the error message. */
  install: string;
}

export const KCAT: ExternalTool = { name: 'kcat', command: 'kcat', probe: ['-V'], install: 'apt-get install kcat' };

/** Debian's python3 by absolute path: the python3 first on PATH may be another install without the kafka module. */
export const PYTHON_KAFKA: ExternalTool = {
  name: 'kafka-python (/usr/bin/python3 with `import kafka`)',
  command: '/usr/bin/python3',
  probe: ['-c', 'import kafka'],
  install: 'apt-get install python3-kafka',
};

const cache = new Map<ExternalTool, boolean>();

function probe(tool: ExternalTool): boolean {
  let ok = cache.get(tool);
  if (ok === undefined) {
    const r = spawnSync(tool.command, tool.probe, { stdio: 'ignore', timeout: 15_000 });
    ok = r.error === undefined && r.status === 0;
    cache.set(tool, ok);
  }
  return ok;
}

/**
 * True when every tool is usable. When one is missing: throws if process.env.CI === 'true' (the test file fails),
 * otherwise warns and returns false so the caller can `describe.skipIf(!available)`.
 */
export function requireTools(...tools: ExternalTool[]): boolean {
  const missing = tools.filter((t) => !probe(t));
  if (missing.length === 0) return true;
  const what = missing.map((t) => `${t.name} (install: ${t.install})`).join(', ');
  if (process.env.CI === 'true') throw new Error(`required test client missing in CI: ${what}`);
  console.warn(`skipping real-client tests: missing ${what}; these tests fail instead of skipping when CI=true`);
  return false;
}

/** Debian's Chromium, driven by playwright-core in the browser tests (test/e2e/). */
export const CHROMIUM: ExternalTool = { name: 'chromium (/usr/bin/chromium)', command: '/usr/bin/chromium', probe: ['--version'], install: 'apt-get install chromium' };
