// The agent's data directory: where it lives by default, moving it out of the broker's data root (where agents
// before issue 7 kept it), and the lock that keeps two agents out of one directory.
//
// Why a root of its own: the broker owns everything in its data directory and treats unknown entries there as its
// own (old brokers deleted `agent-<name>` as a topic partition it did not know, or rebuilt a topic `agent-web` from
// it). The agent and the broker are separate programs that may run as different users, be installed separately and be
// removed separately, so neither should keep state inside the other's directory. One directory per agent name under
// the agent root keeps several agents on one machine apart.
import { cp, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDataDir, platformDataDir } from '../common/data-root.js';
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

/** The pid in a lock file if that process is alive, else null. */
async function liveHolder(file: string): Promise<number | null> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).split('\n')[0]!.trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** One agent per data directory: two would share checkpoints and the spool. A lock left by a dead process is taken over. */
export async function lockDataDir(dir: string): Promise<string> {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const h = await open(file, 'wx');
      await h.writeFile(`${process.pid}\n`);
      await h.close();
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = await liveHolder(file);
      if (pid !== null) throw new Error(`another agent (pid ${pid}) is using ${dir}; stop it, or give this one its own --name or --data-dir`);
      await rm(file, { force: true });
    }
  }
  throw new Error(`cannot lock ${dir}`);
}
