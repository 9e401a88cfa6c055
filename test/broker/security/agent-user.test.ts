// The agent user made on first start: every SCRAM mechanism, a random password kept 0600 until changed, never made
// again once it was made (deleting it is the user's choice), and never over a user named agent made by hand.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureAgentUser } from '../../../src/broker/security/agent-user.js';
import { currentGeneratedPassword, generatedPasswordPath } from '../../../src/broker/security/generated-password.js';
import { passwordMatches, scramCredential } from '../../../src/broker/security/scram.js';
import { addUser, deleteUser, listUsers, setPassword } from '../../../src/broker/security/user-admin.js';
import { readUsers, usersFilePath, writeUsers } from '../../../src/broker/security/users-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-agent-user-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ensureAgentUser', () => {
  it('creates agent with SCRAM-SHA-256 and SCRAM-SHA-512 and a random password kept in a 0600 file', async () => {
    const made = await ensureAgentUser(dir);
    expect(made!.user).toBe('agent');
    expect(made!.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(listUsers(dir)).toEqual([{ name: 'agent', mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'], iterations: 8192 }]);
    const creds = readUsers(usersFilePath(dir)).get('agent')!;
    expect(await passwordMatches('SCRAM-SHA-512', creds['SCRAM-SHA-512']!, made!.password)).toBe(true);
    expect(await passwordMatches('SCRAM-SHA-256', creds['SCRAM-SHA-256']!, made!.password)).toBe(true);
    const file = generatedPasswordPath(dir);
    expect(readFileSync(file, 'utf8').trim()).toBe(made!.password);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await currentGeneratedPassword(dir)).toBe(made!.password);
    // Two first starts never make the same password.
    const other = mkdtempSync(join(tmpdir(), 'tributary-agent-user-'));
    try {
      expect((await ensureAgentUser(other))!.password).not.toBe(made!.password);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('does nothing on later starts, and does not re-create a deleted agent', async () => {
    const made = await ensureAgentUser(dir);
    expect(await ensureAgentUser(dir)).toBeNull();
    expect(await currentGeneratedPassword(dir)).toBe(made!.password);
    await deleteUser(dir, 'agent');
    expect(existsSync(generatedPasswordPath(dir))).toBe(false);
    expect(await ensureAgentUser(dir)).toBeNull();
    expect(listUsers(dir)).toEqual([]);
  });

  it('leaves a user named agent made by hand alone (its password is not ours to show)', async () => {
    await addUser(dir, 'agent', 'chosen-by-hand', ['SCRAM-SHA-256'], 4096);
    expect(await ensureAgentUser(dir)).toBeNull();
    expect(existsSync(generatedPasswordPath(dir))).toBe(false);
    expect(listUsers(dir)[0]!.mechanisms).toEqual(['SCRAM-SHA-256']);
    expect(await currentGeneratedPassword(dir)).toBeNull();
  });

  it('stops showing the generated password once it is changed, by users passwd or by any other edit of users.json', async () => {
    await ensureAgentUser(dir);
    await setPassword(dir, 'agent', 'a-new-one');
    expect(existsSync(generatedPasswordPath(dir))).toBe(false);
    expect(await currentGeneratedPassword(dir)).toBeNull();

    const again = mkdtempSync(join(tmpdir(), 'tributary-agent-user-'));
    try {
      await ensureAgentUser(again);
      // Rewritten without user-admin (a restored backup, a hand edit): the file stays, but it no longer matches.
      writeUsers(usersFilePath(again), new Map([['agent', { 'SCRAM-SHA-512': await scramCredential('SCRAM-SHA-512', 'something-else', 4096) }]]));
      expect(existsSync(generatedPasswordPath(again))).toBe(true);
      expect(await currentGeneratedPassword(again)).toBeNull();
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});
