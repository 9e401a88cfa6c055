import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../../common/atomic-file.js';
import { MAX_ITERATIONS, MIN_ITERATIONS, SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from './scram.js';

/*
 * DATA/users.json: the SASL users, each with a SCRAM credential per mechanism (salt, iterations, StoredKey, ServerKey;
 * never the password). Written whole and atomically (temp file, fsync, rename) with mode 0600, so the broker, which
 * re-reads it when it changes, only ever sees a complete file.
 */

export const USERS_FILE = 'users.json';
const VERSION = 1;

/** Every user's credentials, by user name, then mechanism. */
export type Users = Map<string, Partial<Record<ScramMechanism, ScramCredential>>>;

export class UsersFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsersFileError';
  }
}

const NAME = /^[A-Za-z0-9._@+-]{1,128}$/;

/** Null when the name is fine, else why not. */
export function invalidUserName(name: string): string | null {
  return NAME.test(name) ? null : `user name "${name.slice(0, 40)}" must be 1-128 letters, digits or . _ @ + -`;
}

export const usersFilePath = (dataDir: string): string => path.join(dataDir, USERS_FILE);

/** Parses the file's text; every problem names the file and the user. */
export function parseUsers(text: string, file: string): Users {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsersFileError(`${file} is not valid JSON (${(e as Error).message}); restore it or delete it and add the users again`);
  }
  const o = doc as { version?: unknown; users?: unknown };
  if (typeof o !== 'object' || o === null || o.version !== VERSION || typeof o.users !== 'object' || o.users === null) {
    throw new UsersFileError(`${file} is not a Tributary users file (version ${VERSION})`);
  }
  const users: Users = new Map();
  for (const [name, creds] of Object.entries(o.users as Record<string, unknown>)) {
    const entry: Partial<Record<ScramMechanism, ScramCredential>> = {};
    for (const [mech, c] of Object.entries((creds ?? {}) as Record<string, unknown>)) {
      if (!(SCRAM_MECHANISMS as readonly string[]).includes(mech)) throw new UsersFileError(`${file}: user ${name} has an unknown mechanism ${mech}`);
      const x = c as Record<string, unknown>;
      const iterations = x.iterations;
      if (typeof x.salt !== 'string' || typeof x.storedKey !== 'string' || typeof x.serverKey !== 'string' || typeof iterations !== 'number' || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
        throw new UsersFileError(`${file}: user ${name}'s ${mech} credential is incomplete`);
      }
      entry[mech as ScramMechanism] = {
        salt: Buffer.from(x.salt, 'base64'),
        iterations,
        storedKey: Buffer.from(x.storedKey, 'base64'),
        serverKey: Buffer.from(x.serverKey, 'base64'),
      };
    }
    users.set(name, entry);
  }
  return users;
}

/** The users in `file`; none when it does not exist. */
export function readUsers(file: string): Users {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new UsersFileError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return parseUsers(text, file);
}

export function writeUsers(file: string, users: Users): void {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, creds] of [...users.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    out[name] = {};
    for (const [mech, c] of Object.entries(creds)) {
      out[name][mech] = { salt: c.salt.toString('base64'), iterations: c.iterations, storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64') };
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomicSync(file, `${JSON.stringify({ version: VERSION, users: out }, null, 2)}\n`, { mode: 0o600 });
}
