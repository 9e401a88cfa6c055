import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_ITERATIONS, SCRAM_MECHANISMS, scramCredential, type ScramMechanism } from './scram.js';
import { AGENT_USER, forgetGeneratedPassword } from './generated-password.js';
import { invalidUserName, readUsers, usersFilePath, UsersFileError, writeUsers, type Users } from './users-file.js';

/*
 * Adding, changing and removing SASL users in DATA/users.json, as `tributary users` does, whether or not a broker runs
 * on that directory (it re-reads the file). Each change is read-modify-write under a lock file, so two commands at once
 * cannot lose one another's change; the write itself is atomic.
 */

export interface UserSummary {
  name: string;
  mechanisms: ScramMechanism[];
  iterations: number;
}

const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a command that died (a change takes milliseconds). */
const STALE_LOCK_MS = 60_000;

async function withLock<T>(file: string, body: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsersFileError(`cannot lock ${file}: ${(e as Error).message}`);
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new UsersFileError(`${lock} is held by another \`tributary users\` command; try again (delete it if no such command runs)`);
      await sleep(50);
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

async function change(dataDir: string, edit: (users: Users) => Promise<void>): Promise<void> {
  const file = usersFilePath(dataDir);
  await withLock(file, async () => {
    const users = readUsers(file);
    await edit(users);
    writeUsers(file, users);
  });
}

export function listUsers(dataDir: string): UserSummary[] {
  return [...readUsers(usersFilePath(dataDir)).entries()]
    .map(([name, creds]) => ({
      name,
      mechanisms: SCRAM_MECHANISMS.filter((m) => creds[m]),
      iterations: Math.max(...Object.values(creds).map((c) => c.iterations)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function credentials(password: string, mechanisms: readonly ScramMechanism[], iterations: number) {
  if (password === '') throw new UsersFileError('the password is empty');
  const out: Partial<Record<ScramMechanism, Awaited<ReturnType<typeof scramCredential>>>> = {};
  for (const m of mechanisms) out[m] = await scramCredential(m, password, iterations);
  return out;
}

/** Adds a user; refuses one that exists (change its password with setPassword). */
export async function addUser(dataDir: string, name: string, password: string, mechanisms: readonly ScramMechanism[] = SCRAM_MECHANISMS, iterations = DEFAULT_ITERATIONS): Promise<void> {
  const bad = invalidUserName(name);
  if (bad) throw new UsersFileError(bad);
  const creds = await credentials(password, mechanisms, iterations);
  await change(dataDir, async (users) => {
    if (users.has(name)) throw new UsersFileError(`user ${name} already exists; change the password with \`tributary users passwd ${name}\``);
    users.set(name, creds);
  });
}

/** New password; the mechanisms stay those the user had unless others are given. */
export async function setPassword(dataDir: string, name: string, password: string, mechanisms?: readonly ScramMechanism[], iterations = DEFAULT_ITERATIONS): Promise<void> {
  await change(dataDir, async (users) => {
    const had = users.get(name);
    if (!had) throw new UsersFileError(`no user ${name}; add it with \`tributary users add ${name}\``);
    users.set(name, await credentials(password, mechanisms ?? SCRAM_MECHANISMS.filter((m) => had[m]), iterations));
  });
  // The generated password is no longer the agent's: Settings must stop showing it.
  if (name === AGENT_USER) forgetGeneratedPassword(dataDir);
}

export async function deleteUser(dataDir: string, name: string): Promise<void> {
  await change(dataDir, async (users) => {
    if (!users.delete(name)) throw new UsersFileError(`no user ${name}`);
  });
  if (name === AGENT_USER) forgetGeneratedPassword(dataDir);
}
