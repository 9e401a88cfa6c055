// The agent's configuration: one typed schema with defaults and validation. Sources, lowest first: defaults, the
// --config file (JSON, or YAML when it is named .yaml/.yml), command-line flags.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import os from 'node:os';
import { defaultAgentDataDir } from './data-dir.js';
import { parseDuration } from '../common/duration.js';
import { formatHostPort, parseHostPort } from '../common/host-port.js';
import { InvalidValueError } from '../common/invalid-value.js';
import { parseSize as parseSizeValue } from '../common/size.js';
import { validateTopicName } from '../common/topic-name.js';
import type { ClientSecurity } from '../client/security.js';
import { parseSecurityObject, resolveSecuritySpec, type SecuritySpec, type SpecNames } from '../client/security-spec.js';

/** What the config file and the flags say; `security` as written (file paths, a password file). */
export interface AgentSettings {
  /** Bootstrap brokers, "host:port". */
  bootstrap: string[];
  /** How to connect: TLS, SASL login (see SecuritySpec); absent = PLAINTEXT. */
  security: SecuritySpec;
  /** This agent's name: header `agent`, and part of the default data directory. */
  name: string;
  /** Checkpoints (file positions) and the disk buffer. */
  dataDir: string;
  /** Globs of log files to tail; none = no file source. */
  files: string[];
  /** Globs of files never to tail (default: compressed files). */
  exclude: string[] | null;
  topic: string;
  /** Where to start in files the checkpoint does not know yet. */
  startAt: 'beginning' | 'end';
  /** A line matching this starts a new record; other lines join the one before (stack traces). */
  multilineStart: string | null;
  parse: { json: boolean; level: boolean; timestamp: boolean };
  metrics: boolean;
  metricsTopic: string;
  metricsIntervalMs: number;
  compression: 'none' | 'gzip';
  /** Disk buffer bound; past it the agent stops reading (backpressure). */
  maxBufferBytes: number;
  /** Bound on records held in memory for sending. */
  maxMemoryBytes: number;
  batchMaxRecords: number;
  batchMaxBytes: number;
  lingerMs: number;
  /**
   * The file positions are rewritten (crash-safely) at most this often. After a crash, lines the broker acknowledged
   * since the last rewrite are sent again: a shorter interval means fewer duplicates and more small disk writes.
   */
  checkpointIntervalMs: number;
  /** Longest wait between reconnection attempts. */
  retryMaxBackoffMs: number;
  /** On SIGTERM/SIGINT, how long to wait for the broker to acknowledge in-flight records before buffering them. */
  shutdownTimeoutMs: number;
}

/** The agent's resolved configuration: security checked as a whole, the password read. */
export type AgentConfig = Omit<AgentSettings, 'security'> & { security: ClientSecurity | undefined };

export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
}

/** The config kit's error as this module's own, so a bad value is a usage error naming the value. */
function kit<T>(parse: () => T, key?: string): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidValueError) throw new AgentConfigError(key === undefined ? err.message : `${key}: ${err.message}`);
    throw err;
  }
}

/** "256MiB", "1 GiB", "500MB", "1048576" → bytes (common/size.ts). */
export function parseSize(input: string | number): number {
  return kit(() => parseSizeValue(input));
}

/** "10s", "500ms", "1m30s", or a number of milliseconds → milliseconds (common/duration.ts). */
export function parseDurationMs(input: string | number): number {
  return kit(() => parseDuration(input));
}

/** `--parse json,level`: what to parse from each line besides its leading timestamp. */
export function parseParsers(input: string | string[]): { json: boolean; level: boolean } {
  const names = (Array.isArray(input) ? input : input.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => n !== 'json' && n !== 'level');
  if (unknown.length > 0) throw new AgentConfigError(`cannot parse "${unknown.join(', ')}"; choose from json, level`);
  return { json: names.includes('json'), level: names.includes('level') };
}

export function agentDefaults(name = os.hostname()): AgentConfig {
  return {
    bootstrap: ['localhost:9092'],
    security: undefined,
    name,
    dataDir: defaultAgentDataDir(name),
    files: [],
    exclude: null,
    topic: 'logs',
    startAt: 'end',
    multilineStart: null,
    parse: { json: false, level: false, timestamp: true },
    metrics: true,
    metricsTopic: 'metrics',
    metricsIntervalMs: 10_000,
    compression: 'none',
    maxBufferBytes: 256 * 1024 * 1024,
    maxMemoryBytes: 8 * 1024 * 1024,
    batchMaxRecords: 10_000,
    batchMaxBytes: 1_000_000,
    lingerMs: 0,
    checkpointIntervalMs: 0,
    retryMaxBackoffMs: 10_000,
    shutdownTimeoutMs: 10_000,
  };
}

type Check = (v: unknown, key: string) => unknown;
const str: Check = (v, key) => {
  if (typeof v !== 'string' || v === '') throw new AgentConfigError(`${key} must be a non-empty string`);
  return v;
};
const strList: Check = (v, key) => {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x === '')) throw new AgentConfigError(`${key} must be a list of non-empty strings`);
  return list;
};
const bool: Check = (v, key) => {
  if (typeof v !== 'boolean') throw new AgentConfigError(`${key} must be true or false`);
  return v;
};
const int = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v, key) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new AgentConfigError(`${key} must be an integer from ${min} to ${max}`);
  return v;
};
const oneOf = (...choices: string[]): Check => (v, key) => {
  if (typeof v !== 'string' || !choices.includes(v)) throw new AgentConfigError(`${key} must be one of ${choices.join(', ')}`);
  return v;
};
const size = (min: number): Check => (v, key) => {
  const n = parseSize(v as string);
  if (n < min) throw new AgentConfigError(`${key} must be at least ${min} bytes`);
  return n;
};
const duration = (min: number): Check => (v, key) => {
  const n = parseDurationMs(v as string);
  if (n < min) throw new AgentConfigError(`${key} must be at least ${min} ms`);
  return n;
};

const optional = (check: Check) => (v: unknown, key: string) => (v === undefined ? undefined : check(v, key));

/** `"security": {"protocol": "SASL_SSL", "ca": FILE, "sasl": {"mechanism": …, "username": …, "passwordFile": FILE}}`. */
const security: Check = (v, key) => {
  try {
    return parseSecurityObject(v, key);
  } catch (e) {
    if (e instanceof InvalidValueError) throw new AgentConfigError(e.message);
    throw e;
  }
};

/** Every key the config file may hold, with its check. Sizes and durations may be numbers or "256MiB" / "10s". */
const KEYS: Record<keyof AgentSettings, Check> = {
  bootstrap: (v, key) => {
    const list = strList(v, key) as string[];
    return list.flatMap((x) => x.split(',')).map((b) => formatHostPort(kit(() => parseHostPort(b), key)));
  },
  security,
  name: (v, key) => {
    if (typeof v !== 'string' || !/^[a-zA-Z0-9._-]{1,100}$/.test(v)) throw new AgentConfigError(`${key} must be 1-100 of a-z A-Z 0-9 . _ - (it names the data directory)`);
    return v;
  },
  dataDir: str,
  files: strList,
  exclude: strList,
  topic: (v, key) => {
    const problem = validateTopicName(v);
    if (problem !== null) throw new AgentConfigError(`${key}: ${problem}`);
    return v;
  },
  startAt: oneOf('beginning', 'end'),
  multilineStart: (v, key) => {
    const s = str(v, key) as string;
    try {
      new RegExp(s);
    } catch (err) {
      throw new AgentConfigError(`${key} is not a valid regular expression: ${(err as Error).message}`);
    }
    return s;
  },
  parse: (v, key) => {
    if (Array.isArray(v) || typeof v === 'string') return { ...parseParsers(v as string | string[]), timestamp: true };
    if (typeof v !== 'object' || v === null) throw new AgentConfigError(`${key} must be a list like ["json", "level"] or {"json": true, "level": true, "timestamp": true}`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['json', 'level', 'timestamp'].includes(k)) throw new AgentConfigError(`${key}.${k} is not a parser; choose from json, level, timestamp`);
    return { json: o.json === undefined ? false : bool(o.json, `${key}.json`), level: o.level === undefined ? false : bool(o.level, `${key}.level`), timestamp: o.timestamp === undefined ? true : bool(o.timestamp, `${key}.timestamp`) };
  },
  metrics: bool,
  metricsTopic: (v, key) => KEYS.topic(v, key),
  metricsIntervalMs: duration(100),
  compression: oneOf('none', 'gzip'),
  maxBufferBytes: size(1024 * 1024),
  maxMemoryBytes: size(1024 * 1024),
  batchMaxRecords: int(1, 1_000_000),
  batchMaxBytes: size(1024),
  lingerMs: duration(0),
  checkpointIntervalMs: duration(0),
  retryMaxBackoffMs: duration(100),
  shutdownTimeoutMs: duration(0),
};

/** Reads and checks a JSON or YAML config file: every key known, every value valid. */
export function readConfigFile(file: string): Partial<AgentSettings> {
  const yaml = /\.ya?ml$/i.test(file);
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AgentConfigError(`config file ${file} must hold a ${yaml ? 'YAML mapping' : 'JSON object'} of agent settings`);
  return checkKeys(raw as Record<string, unknown>, `config file ${file}`);
}

/** Validates a partial config (from a file or flags), converting "256MiB"-style values. */
export function checkKeys(raw: Record<string, unknown>, where: string): Partial<AgentSettings> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const check = KEYS[k as keyof AgentSettings];
    if (!check) throw new AgentConfigError(`unknown key "${k}" in ${where}; known keys: ${Object.keys(KEYS).join(', ')}`);
    try {
      out[k] = check(v, k);
    } catch (err) {
      throw new AgentConfigError(`${where}: ${(err as Error).message}`);
    }
  }
  return out as Partial<AgentSettings>;
}

/** Names in messages about the config file's security settings. */
const SECURITY_NAMES: SpecNames = {
  protocol: 'security.protocol',
  mechanism: 'security.sasl.mechanism',
  username: 'security.sasl.username',
  passwordFile: 'security.sasl.passwordFile',
  ca: 'security.ca',
  cert: 'security.cert',
  key: 'security.key',
};

/**
 * The file's security settings with the flags' on top, setting by setting (a flag overrides one setting, not the
 * whole object), checked as a whole and resolved: the password read from its file or TRIBUTARY_SASL_PASSWORD.
 */
export function resolveSecurity(file: SecuritySpec | undefined, flags: SecuritySpec | undefined, flagNames: SpecNames = SECURITY_NAMES, env: NodeJS.ProcessEnv = process.env): ClientSecurity | undefined {
  const defined = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  const sasl = file?.sasl || flags?.sasl ? { ...defined(file?.sasl), ...defined(flags?.sasl) } : undefined;
  // Each setting is named as it was given: the flag's name when a flag set it, the config file's otherwise.
  const fromFlag: Record<keyof SpecNames, unknown> = {
    protocol: flags?.protocol, mechanism: flags?.sasl?.mechanism, username: flags?.sasl?.username, passwordFile: flags?.sasl?.passwordFile,
    ca: flags?.ca, cert: flags?.cert, key: flags?.key,
  };
  const fromFile: Record<keyof SpecNames, unknown> = {
    protocol: file?.protocol, mechanism: file?.sasl?.mechanism, username: file?.sasl?.username, passwordFile: file?.sasl?.passwordFile,
    ca: file?.ca, cert: file?.cert, key: file?.key,
  };
  // A setting given nowhere (a missing password file) is named where the others were given: flags first.
  const flagsUsed = Object.values(fromFlag).some((v) => v !== undefined);
  const nameOf = (k: keyof SpecNames): string =>
    fromFlag[k] !== undefined || (fromFile[k] === undefined && flagsUsed) ? flagNames[k] : SECURITY_NAMES[k];
  const names = Object.fromEntries((Object.keys(SECURITY_NAMES) as Array<keyof SpecNames>).map((k) => [k, nameOf(k)])) as unknown as SpecNames;
  return kit(() => resolveSecuritySpec({ ...defined(file), ...defined(flags), sasl }, names, env));
}

/** Defaults, then the file, then flags; the data directory follows the name unless set. `flagNames`: how flags are spelt. */
export function resolveAgentConfig(file: Partial<AgentSettings>, flags: Partial<AgentSettings>, flagNames?: SpecNames): AgentConfig {
  const name = flags.name ?? file.name ?? os.hostname().replace(/[^a-zA-Z0-9._-]/g, '_');
  const config: AgentConfig = { ...agentDefaults(name), ...file, ...flags, security: resolveSecurity(file.security, flags.security, flagNames) };
  if (config.files.length === 0 && !config.metrics) {
    throw new AgentConfigError('nothing to ship: give --files GLOB (or "files" in the config file), or leave host metrics on');
  }
  if (config.batchMaxBytes > config.maxMemoryBytes) throw new AgentConfigError('batchMaxBytes must not exceed maxMemoryBytes');
  return config;
}
