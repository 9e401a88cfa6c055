import path from 'node:path';
import { InvalidValueError } from '../../common/invalid-value.js';
import type { Logger } from '../../common/logger.js';
import { asObject, SavedRegistry } from '../../common/saved-registry.js';
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
  private readonly saved: SavedRegistry<ConnectionConfig>;

  constructor(
    dataDir: string,
    configured: readonly ConnectionConfig[],
    private readonly target: FollowTarget,
    private readonly log: Logger,
    private readonly options: FollowerOptions = {},
  ) {
    const file = path.join(dataDir, CONNECTIONS_FILE);
    this.saved = new SavedRegistry({
      kind: 'connection',
      file,
      configured: configured.map((c) => c.name),
      decode: (doc) => {
        // One connection that no longer holds (its CA or password file gone) is skipped alone, with its reason.
        const out: ConnectionConfig[] = [];
        for (const [name, raw] of Object.entries(asObject(doc))) {
          try {
            out.push(...parseConnections({ [name]: raw }));
          } catch (e) {
            this.log.error(`saved connection ${name} in ${file} is not started: ${(e as Error).message}`);
          }
        }
        return out;
      },
      // The resolved client settings hold the password read from its file: only what was written is saved.
      encode: (saved) => Object.fromEntries(saved.map(({ name, client: _resolved, ...rest }) => [name, rest])),
      log,
    });
    for (const c of [...configured, ...this.saved.entries()]) this.followers.set(c.name, new Follower(c, target, log, options));
  }

  start(): void {
    for (const f of this.followers.values()) if (f.config.follow.length > 0) f.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.followers.values()].map((f) => f.stop()));
    await this.saved.flushed();
  }

  list(): ConnectionView[] {
    return [...this.followers.values()].map((f) => ({ ...f.status(), source: this.saved.origin(f.config.name) }));
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
    this.saved.assertWritable(name, 'change');
    const [config] = parseConnections({ [name]: raw });
    if (!this.followers.has(name) && this.followers.size >= MAX_CONNECTIONS) throw new InvalidValueError(`at most ${MAX_CONNECTIONS} connections`, name);
    await this.followers.get(name)?.stop();
    const f = new Follower(config!, this.target, this.log, this.options);
    this.followers.set(name, f);
    await this.saved.put(config!);
    if (config!.follow.length > 0) f.start();
    return this.get(name)!;
  }

  /** Removes an API connection and stops its follow; the local copies stay (delete those topics to drop them). */
  async remove(name: string): Promise<boolean> {
    this.saved.assertWritable(name, 'remove');
    const f = this.followers.get(name);
    if (!f) return false;
    this.followers.delete(name);
    await f.stop();
    await this.saved.remove(name);
    return true;
  }
}
