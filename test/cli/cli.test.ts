// The CLI as a process: help, version and usage errors. No broker needed.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/broker-process.js';
import { runCli } from '../helpers/run-cli.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A usage error is exactly one line on stderr, starting with "error:". */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
}

describe('tributary CLI', () => {
  beforeAll(assertBuilt);

  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['serve', 'topics', 'produce', 'consume', 'groups']) expect(r.stdout).toContain(command);
  });

  it.each([['topics', '--help'], ['topics', 'create', '--help'], ['produce', '--help'], ['consume', '--help'], ['serve', '--help'], ['groups', '--help'], ['groups', 'reset-offsets', '--help']])(
    '%s %s … has help',
    async (...args) => {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: tributary /);
    },
  );

  it('prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('exits 2 with one line for an unknown flag', async () => {
    const r = await runCli(['consume', '--topic', 't', '--no-such-flag']);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /unknown option '--no-such-flag'/);
  });

  it('exits 2 when produce has no --topic', async () => {
    const r = await runCli(['produce'], { input: 'hello\n' });
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /--topic/);
  });

  it('exits 2 for a missing argument, a bad value and conflicting flags', async () => {
    const missing = await runCli(['topics', 'create']);
    expect(missing.code).toBe(2);
    expectOneLineError(missing.stderr, /missing required argument 'name'/);

    const badValue = await runCli(['consume', '--topic', 't', '--since', 'yesterday']);
    expect(badValue.code).toBe(2);
    expectOneLineError(badValue.stderr, /--since/);

    const conflict = await runCli(['consume', '--topic', 't', '--offset', '5', '--from-beginning']);
    expect(conflict.code).toBe(2);
    expectOneLineError(conflict.stderr, /cannot be used with/);
  });

  it('exits 2 for an unknown command', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /unknown command 'frobnicate'/);
  });

  it('exits 1 with a one-line hint when no broker is listening', async () => {
    const r = await runCli(['topics', 'list', '--bootstrap', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /cannot reach broker at 127\.0\.0\.1:1: connection refused — is `tributary serve` running\?/);
  });
});
