import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../../common/atomic-file.js';
import { TLS_DIR } from './certificates.js';
import { passwordMatches, SCRAM_MECHANISMS } from './scram.js';
import { readUsers, usersFilePath } from './users-file.js';

/*
 * The password generated for the `agent` user on first start, kept in DATA/tls/agent.password (0600, in the 0700 TLS
 * directory beside the CA agents need too) so the desktop app, which has no console, can show it in Settings. It is
 * only shown while it is still the agent's password: `users passwd agent` and `users delete agent` remove the file, and
 * a reader checks it against users.json anyway (a user may have edited the users some other way).
 */

export const AGENT_USER = 'agent';
const PASSWORD_FILE = 'agent.password';

export const generatedPasswordPath = (dataDir: string): string => path.join(dataDir, TLS_DIR, PASSWORD_FILE);

export function writeGeneratedPassword(dataDir: string, password: string): void {
  fs.mkdirSync(path.join(dataDir, TLS_DIR), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(generatedPasswordPath(dataDir), `${password}\n`, { mode: 0o600 });
}

/** Called when the agent's password changes or the user goes: the generated one must not be shown as current. */
export function forgetGeneratedPassword(dataDir: string): void {
  fs.rmSync(generatedPasswordPath(dataDir), { force: true });
}

/** The generated password while it is still the agent's (checked against its SCRAM credential), else null. */
export async function currentGeneratedPassword(dataDir: string): Promise<string | null> {
  let password: string;
  try {
    password = fs.readFileSync(generatedPasswordPath(dataDir), 'utf8').trim();
  } catch {
    return null;
  }
  let creds;
  try {
    creds = readUsers(usersFilePath(dataDir)).get(AGENT_USER);
  } catch {
    return null;
  }
  const m = SCRAM_MECHANISMS.find((x) => creds?.[x]);
  if (!m || password === '') return null;
  return (await passwordMatches(m, creds![m]!, password)) ? password : null;
}
