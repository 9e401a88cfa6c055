// A SASL password typed into the UI for a connection: kept in its own file beside the other metadata, readable by
// this user only, and named in the saved connection as its password file. connections.json never holds a secret,
// and the API never sends one back (it says only that a password is stored).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomicSync } from '../../common/atomic-file.js';

export const SECRETS_DIR = path.join('__meta', 'secrets');

/** Where the stored password of connection `name` lives (whether or not there is one). */
export function storedPasswordFile(dataDir: string, name: string): string {
  return path.join(dataDir, SECRETS_DIR, `connection-${name}.password`);
}

export async function storePassword(dataDir: string, name: string, password: string): Promise<string> {
  const file = storedPasswordFile(dataDir, name);
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // The sync writer is the one that sets the mode before any byte lands; a password is a few bytes, written rarely.
  writeFileAtomicSync(file, password, { mode: 0o600 });
  return file;
}

export function hasStoredPassword(dataDir: string, name: string): boolean {
  return fs.existsSync(storedPasswordFile(dataDir, name));
}

export async function forgetPassword(dataDir: string, name: string): Promise<void> {
  await fsp.rm(storedPasswordFile(dataDir, name), { force: true });
}
