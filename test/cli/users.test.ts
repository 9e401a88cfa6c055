// `tributary users` as a user runs it (the built CLI, a real data directory), alone and beside a running broker that
// must see each change at the next login.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { passwordMatches } from '../../src/broker/security/scram.js';
import { readUsers, usersFilePath } from '../../src/broker/security/users-file.js';
import { silentLogger } from '../../src/common/logger.js';
import { assertBuilt } from '../helpers/broker-process.js';
import { runCli } from '../helpers/run-cli.js';
import { saslLogin } from '../helpers/sasl-client.js';
import { WireClient } from '../helpers/wire-client.js';

let dir: string;
const users = (...args: string[]) => ['users', ...args, '--data-dir', dir];

beforeAll(() => assertBuilt());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-users-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tributary users (no broker running)', () => {
  it('adds a user with the password from stdin, storing only salted SCRAM keys, owner-readable only', async () => {
    const r = await runCli(users('add', 'alice'), { input: 'pa55-word\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('added user alice');
    expect(r.stdout).not.toContain('pa55-word');
    const file = usersFilePath(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('pa55-word');
    const alice = readUsers(file).get('alice')!;
    expect(Object.keys(alice).sort()).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(await passwordMatches('SCRAM-SHA-256', alice['SCRAM-SHA-256']!, 'pa55-word')).toBe(true);
    expect(await passwordMatches('SCRAM-SHA-512', alice['SCRAM-SHA-512']!, 'pa55-word')).toBe(true);
    expect(await passwordMatches('SCRAM-SHA-256', alice['SCRAM-SHA-256']!, 'pa55-word\n')).toBe(false);
  });

  it('lists, changes passwords, limits mechanisms, and deletes', async () => {
    expect((await runCli(users('add', 'bob', '--mechanism', 'SCRAM-SHA-512', '--iterations', '4096'), { input: 'one' })).code).toBe(0);
    expect((await runCli(users('add', 'alice'), { input: 'two' })).code).toBe(0);
    expect((await runCli(users('list'))).stdout).toBe('alice\tSCRAM-SHA-256,SCRAM-SHA-512\t8192 iterations\nbob\tSCRAM-SHA-512\t4096 iterations\n');
    expect((await runCli(users('passwd', 'bob'), { input: 'three' })).code).toBe(0);
    const bob = readUsers(usersFilePath(dir)).get('bob')!;
    expect(Object.keys(bob)).toEqual(['SCRAM-SHA-512']);
    expect(await passwordMatches('SCRAM-SHA-512', bob['SCRAM-SHA-512']!, 'three')).toBe(true);
    expect((await runCli(users('delete', 'bob'))).code).toBe(0);
    expect((await runCli(users('list'))).stdout).toBe('alice\tSCRAM-SHA-256,SCRAM-SHA-512\t8192 iterations\n');
  });

  it('refuses duplicates, unknown users, bad names, empty passwords and unknown mechanisms with a hint', async () => {
    await runCli(users('add', 'alice'), { input: 'x' });
    const dup = await runCli(users('add', 'alice'), { input: 'y' });
    expect([dup.code, dup.stderr]).toEqual([1, expect.stringMatching(/already exists.*users passwd alice/)]);
    const missing = await runCli(users('delete', 'zed'));
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/no user zed/)]);
    const passwd = await runCli(users('passwd', 'zed'), { input: 'x' });
    expect([passwd.code, passwd.stderr]).toEqual([1, expect.stringMatching(/no user zed.*users add zed/)]);
    expect((await runCli(users('add', 'a,b'), { input: 'x' })).stderr).toMatch(/letters, digits/);
    expect((await runCli(users('add', 'carol'), { input: '' })).stderr).toMatch(/no password on stdin/);
    expect((await runCli(users('add', 'carol', '--mechanism', 'MD5'), { input: 'x' })).code).toBe(2);
    expect((await runCli(users('list'))).stdout).toBe('alice\tSCRAM-SHA-256,SCRAM-SHA-512\t8192 iterations\n');
  });

  it('loses no change when several commands run at once', async () => {
    const names = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const results = await Promise.all(names.map((n) => runCli(users('add', n), { input: `pw-${n}` })));
    expect(results.map((r) => r.code)).toEqual(names.map(() => 0));
    expect([...readUsers(usersFilePath(dir)).keys()].sort()).toEqual(names);
  });
});

describe('tributary users beside a running broker', () => {
  let broker: Broker;
  const clients: WireClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await broker?.stop();
  });
  const login = async (mechanism: string, user: string, password: string) => {
    const c = await WireClient.connect(broker.listenerAddresses()[0]!.port);
    clients.push(c);
    return (await saslLogin(c, mechanism, user, password)).errorCode;
  };

  it('applies adds, password changes and deletes without a restart', async () => {
    broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'SASL_PLAINTEXT://127.0.0.1:0' }), silentLogger);
    expect(await login('PLAIN', 'agent', 'first')).toBe(58);
    expect((await runCli(users('add', 'agent'), { input: 'first' })).code).toBe(0);
    expect(await login('SCRAM-SHA-256', 'agent', 'first')).toBe(0);
    expect((await runCli(users('passwd', 'agent'), { input: 'second' })).code).toBe(0);
    expect(await login('SCRAM-SHA-512', 'agent', 'first')).toBe(58);
    expect(await login('PLAIN', 'agent', 'second')).toBe(0);
    expect((await runCli(users('delete', 'agent'))).code).toBe(0);
    expect(await login('PLAIN', 'agent', 'second')).toBe(58);
  });
});
