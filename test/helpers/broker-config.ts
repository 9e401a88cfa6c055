// Broker config files for tests: `startBroker({ args: ['--config', brokerConfig({...})] })`. Groups get a short
// initial rebalance delay (Kafka's default of 3 s would make every group test wait), unless a test says otherwise.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FAST_GROUPS = { groupInitialRebalanceDelayMs: 300 };

const dirs: string[] = [];
process.once('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes `values` (FAST_GROUPS by default) as a JSON config file and returns its path; removed when the process exits. */
export function brokerConfig(values: Record<string, unknown> = FAST_GROUPS): string {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-config-'));
  dirs.push(dir);
  const file = join(dir, 'broker.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}
