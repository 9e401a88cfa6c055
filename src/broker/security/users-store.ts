import fs from 'node:fs/promises';
import type { Logger } from '../../common/logger.js';
import type { ScramCredential, ScramMechanism } from './scram.js';
import { parseUsers, type Users } from './users-file.js';

/**
 * The broker's view of DATA/users.json, re-read when the file changes: `tributary users …` edits it whether or not the
 * broker runs, and the next login sees the change. The check is a stat per login (no watcher to miss a rename); a file
 * that cannot be parsed leaves the last good users in force, with an error logged.
 */
export class UsersStore {
  private users: Users = new Map();
  private seen = '';
  private loading: Promise<void> | null = null;

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  async credential(user: string, mechanism: ScramMechanism): Promise<ScramCredential | null> {
    await this.refresh();
    return this.users.get(user)?.[mechanism] ?? null;
  }

  /** Every mechanism `user` has a credential for (PLAIN logins use whichever is there). */
  async credentials(user: string): Promise<Partial<Record<ScramMechanism, ScramCredential>> | null> {
    await this.refresh();
    return this.users.get(user) ?? null;
  }

  async count(): Promise<number> {
    await this.refresh();
    return this.users.size;
  }

  /** Re-reads the file if it changed since the last read (one refresh at a time; concurrent logins share it). */
  refresh(): Promise<void> {
    this.loading ??= this.reload().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async reload(): Promise<void> {
    let version: string;
    try {
      const st = await fs.stat(this.file, { bigint: true });
      version = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error(`cannot read ${this.file}: ${(e as Error).message}`);
      if (this.seen !== 'missing') this.users = new Map();
      this.seen = 'missing';
      return;
    }
    if (version === this.seen) return;
    try {
      this.users = parseUsers(await fs.readFile(this.file, 'utf8'), this.file);
      this.seen = version;
    } catch (e) {
      this.log.error(`${(e as Error).message}; keeping the users read before`);
      this.seen = version;
    }
  }
}
