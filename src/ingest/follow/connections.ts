import fs from 'node:fs';
import path from 'node:path';
import { InvalidValueError } from '../../common/invalid-value.js';
import type { Logger } from '../../common/logger.js';
import { asObject, SavedRegistry } from '../../common/saved-registry.js';
import type { KafkaClient } from '../../client/client.js';
import { SASL_PASSWORD_ENV } from '../../common/secret-file.js';
import { usesSasl } from '../../client/security.js';
import { parseConnections, type ConnectionConfig } from './connection-config.js';
import { probeConnection, type ProbeResult } from './connection-probe.js';
import { forgetPassword, storedPasswordFile, storePassword } from './connection-secrets.js';
import { Follower, type ConnectionStatus, type FollowerOptions, type FollowTarget } from './follower.js';
import { securityView, type SecurityView } from './security-view.js';

/** Connections added from the UI or API, beside the other metadata; the config file's own are never written here. */
export const CONNECTIONS_FILE = path.join('__meta', 'connections.json');
export const MAX_CONNECTIONS = 64;

export interface ConnectionView extends ConnectionStatus {
  /** From the config file (read-only here) or added through the API. */
  source: 'config' | 'api';
  start: 'earliest' | 'latest';
  /** TLS and SASL as set, without any secret; null for PLAINTEXT without settings. */
  security: SecurityView | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An API body with a typed SASL password taken out of `security.sasl` (the config parser refuses passwords, since
 * config files get copied), its security objects copied so they can be completed without touching the request.
 * An empty password counts as none: the form sends what the user left blank.
 */
function takePassword(raw: unknown): { body: unknown; sasl: Obj | null; password: string | undefined } {
  if (!isObj(raw) || !isObj(raw.security)) return { body: raw, sasl: null, password: undefined };
  const security = { ...raw.security };
  if (!isObj(security.sasl)) return { body: { ...raw, security }, sasl: null, password: undefined };
  const { password, ...sasl } = security.sasl;
  if (password !== undefined && typeof password !== 'string') throw new InvalidValueError('security.sasl.password must be a string', undefined);
  security.sasl = sasl;
  return { body: { ...raw, security }, sasl, password: password === '' ? undefined : password };
}

/**
 * What, if anything, changed about where and how a stored password would be sent: other servers, another mechanism
 * (PLAIN hands the password over as is), or weaker protection on the way (protocol, CA, verification). An edit that
 * keeps the stored password must not be a way to send it to a server of the editor's choosing.
 */
function passwordDestinationChange(before: ConnectionConfig, after: ConnectionConfig): string | null {
  const b = before.security ?? {};
  const a = after.security ?? {};
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).join(',');
  if (before.bootstrap.join(',') !== after.bootstrap.join(',')) return 'the bootstrap servers';
  if ((b.protocol ?? 'PLAINTEXT') !== (a.protocol ?? 'PLAINTEXT')) return 'the security protocol';
  if (b.sasl?.mechanism !== a.sasl?.mechanism) return 'the SASL mechanism';
  if (list(b.ca) !== list(a.ca) || b.servername !== a.servername || (b.rejectUnauthorized ?? true) !== (a.rejectUnauthorized ?? true)) return 'the TLS trust (CA, server name or verification)';
  return null;
}

/**
 * Every remote cluster this app knows and its follow: those from the config file and those saved through the API
 * (`__meta/connections.json`, rewritten whole and atomically). Each connection that follows topics runs one Follower.
 */
export class Connections {
  private readonly followers = new Map<string, Follower>();
  private readonly saved: SavedRegistry<ConnectionConfig>;

  constructor(
    private readonly dataDir: string,
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
    return [...this.followers.values()].map((f) => ({
      ...f.status(),
      source: this.saved.origin(f.config.name),
      start: f.config.start,
      security: securityView(f.config.security, storedPasswordFile(this.dataDir, f.config.name)),
    }));
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
    const { config, password } = this.resolve(name, raw);
    if (!this.followers.has(name) && this.followers.size >= MAX_CONNECTIONS) throw new InvalidValueError(`at most ${MAX_CONNECTIONS} connections`, name);
    if (password !== undefined) await storePassword(this.dataDir, name, password);
    await this.followers.get(name)?.stop();
    const f = new Follower(config, this.target, this.log, this.options);
    this.followers.set(name, f);
    await this.saved.put(config);
    if (config.security?.sasl?.passwordFile !== storedPasswordFile(this.dataDir, name)) await forgetPassword(this.dataDir, name);
    if (config.follow.length > 0) f.start();
    return this.get(name)!;
  }

  /**
   * Tries settings before they are saved: TCP, TLS, SASL and a Metadata request, the failed step named. `name`, when
   * given, is the connection being edited: its stored password is used unless a new one is typed.
   */
  async test(raw: unknown, name?: string): Promise<ProbeResult> {
    const { config } = this.resolve(name ?? 'new', raw);
    return probeConnection(config.bootstrap, config.client);
  }

  /**
   * An API body as a connection: a typed password resolves the settings in memory and is kept in the stored password
   * file once saved; no password (and no password file) keeps the one stored before, so an edit need not retype it.
   */
  private resolve(name: string, raw: unknown): { config: ConnectionConfig; password: string | undefined } {
    const { body, sasl, password } = takePassword(raw);
    const stored = storedPasswordFile(this.dataDir, name);
    const before = this.saved.entries().find((c) => c.name === name);
    let env = process.env;
    let reused = false;
    if (password !== undefined) {
      if (sasl?.passwordFile !== undefined) throw new InvalidValueError(`connections.${name}.security.sasl: give a password or a passwordFile, not both`, name);
      env = { [SASL_PASSWORD_ENV]: password };
    } else if (sasl && sasl.passwordFile === undefined && before?.security?.sasl?.passwordFile === stored && fs.existsSync(stored)) {
      sasl.passwordFile = stored;
      reused = true;
    }
    const [config] = parseConnections({ [name]: body }, env);
    if (password !== undefined) {
      if (!usesSasl(config!.client)) throw new InvalidValueError(`connections.${name}.security.sasl.password needs protocol SASL_SSL or SASL_PLAINTEXT`, name);
      config!.security!.sasl!.passwordFile = stored;
    }
    if (reused) {
      const changed = passwordDestinationChange(before!, config!);
      if (changed) {
        throw new InvalidValueError(
          `connections.${name}.security.sasl.password: the stored password is only sent where it was saved for; ${changed} changed, so type the password again`,
          name,
        );
      }
    }
    return { config: config!, password };
  }

  /** Removes an API connection and stops its follow; the local copies stay (delete those topics to drop them). */
  async remove(name: string): Promise<boolean> {
    this.saved.assertWritable(name, 'remove');
    const f = this.followers.get(name);
    if (!f) return false;
    this.followers.delete(name);
    await f.stop();
    await this.saved.remove(name);
    await forgetPassword(this.dataDir, name);
    return true;
  }
}
