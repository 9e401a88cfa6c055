// The agent's data directory: where it lives by default, moving it out of the broker's data root (where agents
// before issue 7 kept it), and the lock that keeps two agents out of one directory.
//
// Why a root of its own: the broker owns everything in its data directory and treats unknown entries there as its
// own (old brokers deleted `agent-<name>` as a topic partition it did not know, or rebuilt a topic `agent-web` from
// it). The agent and the broker are separate programs that may run as different users, be installed separately and be
// removed separately, so neither should keep state inside the other's directory. One directory per agent name under
// the agent root keeps several agents on one machine apart.
import { lstat, cp, mkdir, readFile, readlink, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDataDir, platformDataDir } from '../common/data-root.js';
import { isAlive, lockDirectory, parseHolder, type DirLock } from '../common/dir-lock.js';
import type { Logger } from '../common/logger.js';

const LOCK_FILE = 'agent.lock';

/** `~/.local/share/tributary-agent` on Linux, `~/Library/Application Support/Tributary Agent` on macOS, `%APPDATA%\Tributary Agent` on Windows. */
export function agentDataRoot(): string {
  return platformDataDir('tributary-agent', 'Tributary Agent');
}

/** The default data directory of the agent called `name`. */
export function defaultAgentDataDir(name: string): string {
  return join(agentDataRoot(), name);
}

/** Where agents before issue 7 kept their data by default: inside the broker's data directory. */
export function legacyAgentDataDir(name: string): string {
  return join(defaultDataDir(), `agent-${name}`);
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );

/**
 * Moves `from` (the old default inside the broker's data directory) to `to` when `from` exists and `to` does not, so
 * an upgraded agent keeps its file positions and disk buffer. Refuses while an agent still runs on the old directory.
 */
export async function migrateDataDir(from: string, to: string, logger: Logger): Promise<void> {
  if (!(await exists(from)) || (await exists(to))) return;
  const holder = await liveHolder(join(from, LOCK_FILE));
  if (holder !== null) {
    throw new Error(`an agent (pid ${holder}) is still running on the old data directory ${from}; stop it, then start this agent again (its data moves to ${to})`);
  }
  await mkdir(join(to, '..'), { recursive: true });
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') {
      throw new Error(`cannot move the agent's data from ${from} to ${to}: ${(err as Error).message}; move it yourself or pass --data-dir ${from}`, { cause: err });
    }
    // Another file system: copy, then remove the original (a crash in between leaves both; the copy wins next time).
    await cp(from, `${to}.moving`, { recursive: true, errorOnExist: true, force: false });
    await rename(`${to}.moving`, to);
    await rm(from, { recursive: true, force: true });
  }
  logger.info(`moved the agent's data directory from ${from} (inside the broker's data directory) to ${to}`);
}

/** The pid of a live process holding the lock at `file` (the shared lock, or an older agent's pid file), else null. */
async function liveHolder(file: string): Promise<number | null> {
  const text = await lstat(file).then(
    (st) => (st.isSymbolicLink() ? readlink(file) : readFile(file, 'utf8')),
    () => '',
  );
  const holder = parseHolder(text.split('\n')[0]!);
  return holder && isAlive(holder) ? holder.pid : null;
}

/** One agent per data directory: two would share checkpoints, the send journal and the spool (common/dir-lock.ts). */
export function lockDataDir(dir: string): DirLock {
  return lockDirectory(dir, {
    name: LOCK_FILE,
    busyMessage: (pid) => `another agent (pid ${pid}) is using ${dir}; stop it, or give this one its own --name or --data-dir`,
  });
}
