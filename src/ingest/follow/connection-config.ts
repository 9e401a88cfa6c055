import { hostname } from 'node:os';
import { parseHostPort } from '../../common/host-port.js';
import { InvalidValueError } from '../../common/invalid-value.js';
import type { ClientSecurity } from '../../client/security.js';
import { parseSecurityObject, resolveSecuritySpec, specNamesAt, type SecuritySpec } from '../../client/security-spec.js';

/*
 * `"connections": {"NAME": {"bootstrap": "HOST:PORT[,HOST:PORT]", "follow": ["topic", "prefix*"], …}}`: other Kafka
 * clusters this app talks to. The embedded broker is the connection `local`, so that name is taken.
 */

export interface ConnectionConfig {
  name: string;
  bootstrap: string[];
  /** Remote topics to copy here: exact names, or prefixes ending in `*`. */
  follow: string[];
  /** Where copying starts in a partition never copied before: the oldest record the remote keeps, or new ones only. */
  start: 'earliest' | 'latest';
  /** The remote consumer group the copy commits its positions to (so the remote sees a normal consumer and its lag). */
  group: string;
  /** TLS and SASL as written (file paths, a password file), kept to save it back; `client` is what it resolves to. */
  security?: SecuritySpec;
  client?: ClientSecurity;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const LOCAL_CONNECTION = 'local';

export function defaultFollowGroup(): string {
  return `tributary-follow-${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** The local topic a remote topic is copied into: MirrorMaker 2's `<source>.<topic>`. */
export function followedTopicName(connection: string, remoteTopic: string): string {
  return `${connection}.${remoteTopic}`;
}

export function followMatches(patterns: readonly string[], topic: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? topic.startsWith(p.slice(0, -1)) : topic === p));
}

function parseOne(name: string, raw: unknown, env: NodeJS.ProcessEnv): ConnectionConfig {
  const where = `connections.${name}`;
  if (!NAME.test(name)) throw new InvalidValueError(`connection name "${name}" must be 1-64 letters, digits, _ or -`, name);
  if (name === LOCAL_CONNECTION) throw new InvalidValueError(`"${LOCAL_CONNECTION}" is the embedded broker's connection; name the cluster otherwise`, name);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidValueError(`${where} must be an object like {"bootstrap": "kafka-1:9092", "follow": ["app-logs"]}`, raw);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['bootstrap', 'follow', 'start', 'group', 'security'].includes(k)) throw new InvalidValueError(`${where}: unknown key "${k}" (known: bootstrap, follow, start, group, security)`, k);
  }
  const b = o.bootstrap;
  const list = typeof b === 'string' ? b.split(',') : Array.isArray(b) ? b : null;
  if (!list || list.length === 0 || !list.every((x) => typeof x === 'string' && x.trim() !== '')) {
    throw new InvalidValueError(`${where}.bootstrap must be "HOST:PORT" or a list of them`, b);
  }
  const bootstrap = (list as string[]).map((x) => {
    const { host, port } = parseHostPort(x.trim());
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  });
  const follow = o.follow ?? [];
  if (!Array.isArray(follow) || !follow.every((t) => typeof t === 'string' && /^[A-Za-z0-9._-]+\*?$|^\*$/.test(t))) {
    throw new InvalidValueError(`${where}.follow must be a list of topic names or prefixes ending in * (e.g. ["app-logs", "prod.*"])`, follow);
  }
  for (const t of follow as string[]) {
    if (!t.endsWith('*') && followedTopicName(name, t).length > 249) throw new InvalidValueError(`${where}.follow: "${name}.${t}" would be longer than Kafka's 249 characters for a topic name`, t);
  }
  const start = o.start ?? 'earliest';
  if (start !== 'earliest' && start !== 'latest') throw new InvalidValueError(`${where}.start must be "earliest" or "latest"`, start);
  const group = o.group ?? defaultFollowGroup();
  if (typeof group !== 'string' || group === '' || group.length > 255) throw new InvalidValueError(`${where}.group must be a consumer group id`, group);
  if (o.security === undefined) return { name, bootstrap, follow: follow as string[], start, group };
  const security = parseSecurityObject(o.security, `${where}.security`);
  return { name, bootstrap, follow: follow as string[], start, group, security, client: resolveSecuritySpec(security, specNamesAt(`${where}.security`), env) };
}

/**
 * The config file's `connections` object; throws InvalidValueError naming the connection and key. `env` is where a
 * SASL password without a password file comes from (TRIBUTARY_SASL_PASSWORD).
 */
export function parseConnections(raw: unknown, env: NodeJS.ProcessEnv = process.env): ConnectionConfig[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidValueError('connections must be an object: {"NAME": {"bootstrap": "HOST:PORT", "follow": [...]}}', raw);
  return Object.entries(raw as Record<string, unknown>).map(([name, v]) => parseOne(name, v, env));
}
