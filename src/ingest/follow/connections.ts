import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { InvalidValueError } from '../../common/invalid-value.js';
import type { Logger } from '../../common/logger.js';
import type { KafkaClient } from '../../client/client.js';
import { parseConnections, type ConnectionConfig } from './connection-config.js';
import { Follower, type ConnectionStatus, type FollowerOptions, type FollowTarget } from './follower.js';

/** Connections added from the UI or API, beside the other metadata; the config file's own are never written here. */
export const CONNECTIONS_FILE = path.join('__meta', 'connections.json');
export const MAX_CONNECTIONS = 64;

export interface ConnectionView extends ConnectionStatus {
  /** From the config file (read-only here) or added through the API. */
  source: 'config' | 'api';
}

/**
 * Every remote cluster this app knows and its follow: those from the config file and those saved through the API
 * (`__meta/connections.json`, rewritten whole and atomically). Each connection that follows topics runs one Follower.
 */
export class Connections {
  private readonly followers = new Map<string, Follower>();
  private readonly fromConfig: Set<string>;
  private saved: ConnectionConfig[];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataDir: string,
    configured: readonly ConnectionConfig[],
    private readonly target: FollowTarget,
    private readonly log: Logger,
    private readonly options: FollowerOptions = {},
  ) {
    this.fromConfig = new Set(configured.map((c) => c.name));
    this.saved = this.readSaved().filter((c) => {
      if (!this.fromConfig.has(c.name)) return true;
      log.warn(`connection ${c.name} saved through the API is shadowed by the config file's connection of that name`);
      return false;
    });
    for (const c of [...configured, ...this.saved]) this.followers.set(c.name, new Follower(c, target, log, options));
  }

  start(): void {
    for (const f of this.followers.values()) if (f.config.follow.length > 0) f.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.followers.values()].map((f) => f.stop()));
    await this.writing;
  }

  list(): ConnectionView[] {
    return [...this.followers.values()].map((f) => ({ ...f.status(), source: this.fromConfig.has(f.config.name) ? 'config' : 'api' }));
  }

  /** The connection's Kafka client, for browsing that cluster. */
  client(name: string): KafkaClient | undefined {
    return this.followers.get(name)?.client;
  }

  get(name: string): ConnectionView | undefined {
    return this.list().find((c) => c.name === name);
  }

  /** Adds or replaces an API connection (its follower restarts with the new settings). */
  async put(name: string, raw: unknown): Promise<ConnectionView> {
    if (this.fromConfig.has(name)) throw new InvalidValueError(`connection ${name} is set in the config file; change it there`, name);
    const [config] = parseConnections({ [name]: raw });
    if (!this.followers.has(name) && this.followers.size >= MAX_CONNECTIONS) throw new InvalidValueError(`at most ${MAX_CONNECTIONS} connections`, name);
    await this.followers.get(name)?.stop();
    const f = new Follower(config!, this.target, this.log, this.options);
    this.followers.set(name, f);
    this.saved = [...this.saved.filter((c) => c.name !== name), config!];
    await this.persist();
    if (config!.follow.length > 0) f.start();
    return this.get(name)!;
  }

  /** Removes an API connection and stops its follow; the local copies stay (delete those topics to drop them). */
  async remove(name: string): Promise<boolean> {
    if (this.fromConfig.has(name)) throw new InvalidValueError(`connection ${name} is set in the config file; remove it there`, name);
    const f = this.followers.get(name);
    if (!f) return false;
    this.followers.delete(name);
    await f.stop();
    this.saved = this.saved.filter((c) => c.name !== name);
    await this.persist();
    return true;
  }

  private readSaved(): ConnectionConfig[] {
    const file = path.join(this.dataDir, CONNECTIONS_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
    } catch (e) {
      // Kept aside rather than lost or fatal: the app starts, the user sees what happened.
      fs.renameSync(file, `${file}.bad`);
      this.log.error(`${file} could not be read (${(e as Error).message}); moved to ${file}.bad, no saved connections loaded`);
      return [];
    }
    // One connection that no longer holds (its CA or password file gone) is skipped alone, with its reason.
    const out: ConnectionConfig[] = [];
    for (const [name, raw] of Object.entries(doc as Record<string, unknown>)) {
      try {
        out.push(...parseConnections({ [name]: raw }));
      } catch (e) {
        this.log.error(`saved connection ${name} in ${file} is not started: ${(e as Error).message}`);
      }
    }
    return out;
  }

  private persist(): Promise<void> {
    // The resolved client settings hold the password read from its file: only what was written is saved.
    const body = Object.fromEntries(this.saved.map(({ name, client: _resolved, ...rest }) => [name, rest]));
    const file = path.join(this.dataDir, CONNECTIONS_FILE);
    this.writing = this.writing.then(() => writeFileAtomic(file, `${JSON.stringify(body, null, 2)}\n`));
    return this.writing;
  }
}
