/**
 * Entry of the desktop app's core: main/ starts this file in an Electron utility process with
 * `--data-dir DIR [--config FILE]`. Electron gives such a process `process.parentPort`; this file is plain Node
 * otherwise (nothing in src/ imports Electron). Exit codes: 0 after a clean stop, 1 when it could not start,
 * 70 on an uncaught error (after telling main why).
 */
import { consoleLogger } from '../common/logger.js';
import { runDesktopCore, type CorePort } from './desktop-core.js';

const port = (process as unknown as { parentPort?: CorePort }).parentPort;
if (!port) {
  process.stderr.write('desktop-core: this file runs inside the Tributary desktop app (an Electron utility process); use `tributary serve` instead\n');
  process.exit(2);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const log = consoleLogger((process.env.TRIBUTARY_LOG_LEVEL as 'debug' | 'info' | undefined) ?? 'info');
const dying = (what: string) => (e: unknown) => {
  const message = `${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  log.error(message);
  port.postMessage({ type: 'fatal', message: e instanceof Error ? `${what}: ${e.message}` : message });
  process.exit(70);
};
process.on('uncaughtException', dying('uncaught error in the core'));
process.on('unhandledRejection', dying('unhandled rejection in the core'));

const dataDir = arg('--data-dir');
if (!dataDir) {
  port.postMessage({ type: 'fatal', message: 'desktop-core: --data-dir is missing (the shell always passes it; this is a bug)' });
  process.exit(1);
}
try {
  const app = await runDesktopCore(port, { dataDir, configFile: arg('--config') }, log, (code) => process.exit(code));
  // child.kill() from main (its last resort after a stop message went unanswered) still gets a clean shutdown.
  process.once('SIGTERM', () => app.stop().then(() => process.exit(0), () => process.exit(1)));
} catch (e) {
  log.error((e as Error).message);
  process.exit(1);
}
