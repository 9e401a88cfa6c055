import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../../common/atomic-file.js';
import { AGENT_USER, writeGeneratedPassword } from './generated-password.js';
import { addUser } from './user-admin.js';
import { readUsers, usersFilePath } from './users-file.js';

/*
 * Secure by default, as Elasticsearch 8 does it: the first start with a SASL listener creates the user agents log in
 * as, with a random password, so a newcomer has credentials without reading about `tributary users`. A marker in
 * __meta/ records that this happened once: deleting the agent user later is the user's choice and is not undone.
 */

const MARKER = path.join('__meta', 'agent-user-created');

/** What the first start made: the password, to be shown once. */
export interface CreatedAgentUser {
  user: string;
  password: string;
}

/**
 * Creates `agent` with every SCRAM mechanism and a random password on the first start; null on every later start, or
 * when a user named agent already exists (made by hand: its password is not ours to know).
 */
export async function ensureAgentUser(dataDir: string): Promise<CreatedAgentUser | null> {
  const marker = path.join(dataDir, MARKER);
  if (fs.existsSync(marker)) return null;
  let created: CreatedAgentUser | null = null;
  if (!readUsers(usersFilePath(dataDir)).has(AGENT_USER)) {
    // 144 random bits, URL-safe so it survives shells, JSON and Python strings unquoted-by-accident.
    const password = randomBytes(18).toString('base64url');
    // The password file first: a crash before the user exists only leaves a file the next start overwrites.
    writeGeneratedPassword(dataDir, password);
    await addUser(dataDir, AGENT_USER, password);
    created = { user: AGENT_USER, password };
  }
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  writeFileAtomicSync(marker, `${new Date().toISOString()}\n`, { mode: 0o600 });
  return created;
}
