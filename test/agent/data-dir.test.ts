// The agent's data directory lives outside the broker's data root, and an old one inside it is moved out once.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentDefaults } from '../../src/agent/config.js';
import { agentDataRoot, defaultAgentDataDir, legacyAgentDataDir, lockDataDir, migrateDataDir } from '../../src/agent/data-dir.js';
import { defaultDataDir } from '../../src/common/data-root.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-agent-dir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const savedXdg = process.env.XDG_DATA_HOME;
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmp, 'home-'));
  process.env.XDG_DATA_HOME = home;
});
afterEach(() => {
  if (savedXdg === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = savedXdg;
});

function logger(): { info: string[]; log: { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void } } {
  const info: string[] = [];
  return { info, log: { debug: () => {}, info: (m) => info.push(m), warn: (m) => info.push(m), error: (m) => info.push(m) } };
}

describe.runIf(process.platform === 'linux')('agent data directory', () => {
  it('defaults to <data home>/tributary-agent/<name>, outside the broker data directory', () => {
    expect(agentDataRoot()).toBe(join(home, 'tributary-agent'));
    expect(agentDefaults('web-01').dataDir).toBe(join(home, 'tributary-agent', 'web-01'));
    const rel = relative(defaultDataDir(), defaultAgentDataDir('web-01'));
    expect(rel.startsWith('..')).toBe(true);
  });

  it('moves the old <broker data dir>/agent-<name> to the new place once, and says so', async () => {
    const old = legacyAgentDataDir('web-01');
    expect(old).toBe(join(home, 'tributary', 'agent-web-01'));
    mkdirSync(join(old, 'spool'), { recursive: true });
    writeFileSync(join(old, 'checkpoint.json'), '{"version":1,"files":{}}');
    writeFileSync(join(old, 'spool', 'cursor'), 'x');
    const to = defaultAgentDataDir('web-01');
    const { info, log } = logger();
    await migrateDataDir(old, to, log);
    expect(existsSync(old)).toBe(false);
    expect(readFileSync(join(to, 'checkpoint.json'), 'utf8')).toBe('{"version":1,"files":{}}');
    expect(readFileSync(join(to, 'spool', 'cursor'), 'utf8')).toBe('x');
    expect(info.join('\n')).toMatch(/moved the agent's data directory from .*agent-web-01.* to .*tributary-agent\/web-01/);

    // A new directory already there wins: the old one (re-created, e.g. by an old agent) is left alone.
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'checkpoint.json'), 'old');
    await migrateDataDir(old, to, log);
    expect(readFileSync(join(to, 'checkpoint.json'), 'utf8')).toBe('{"version":1,"files":{}}');
    expect(existsSync(join(old, 'checkpoint.json'))).toBe(true);
  });

  it('does not move a directory an agent still runs on', async () => {
    const old = legacyAgentDataDir('busy');
    mkdirSync(old, { recursive: true });
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(old, 'agent.lock'), `${child.pid}\n`);
      await expect(migrateDataDir(old, defaultAgentDataDir('busy'), logger().log)).rejects.toThrow(/pid \d+\) is still running on the old data directory/);
      expect(existsSync(old)).toBe(true);
      expect(existsSync(defaultAgentDataDir('busy'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('lets one agent at a time use a directory, and takes over a lock left by a dead process', () => {
    const dir = join(home, 'locked');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'agent.lock'), '999999999\n'); // an older agent's lock: a pid, of no live process
    const lock = lockDataDir(dir);
    expect(readlinkSync(lock.file)).toMatch(new RegExp(`^${process.pid}:`));
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'agent.lock'), `${child.pid}\n`);
      expect(() => lockDataDir(dir)).toThrow(/another agent \(pid \d+\) is using/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
