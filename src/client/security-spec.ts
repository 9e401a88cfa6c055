// Security settings as a person writes them (command-line flags, the agent's "security" object): file paths and a
// password file, checked as a whole so a bad combination is refused before any connection, with the names the
// person used. The result is the client's ClientSecurity.
import { accessSync, constants } from 'node:fs';
import { InvalidValueError } from '../common/invalid-value.js';
import { SASL_PASSWORD_ENV, saslPassword } from '../common/secret-file.js';
import { SASL_MECHANISMS, SECURITY_PROTOCOLS, type ClientSecurity, type SaslMechanism, type SecurityProtocol } from './security.js';

export interface SecuritySpec {
  protocol?: SecurityProtocol;
  /** CA file(s) to trust instead of the system store. */
  ca?: string | string[];
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
  sasl?: { mechanism?: SaslMechanism; username?: string; passwordFile?: string };
}

/** How the person named each setting, for messages ("--sasl-username" or "security.sasl.username"). */
export interface SpecNames {
  protocol: string;
  mechanism: string;
  username: string;
  passwordFile: string;
  ca: string;
  cert: string;
  key: string;
}

export const DEFAULT_SASL_MECHANISM: SaslMechanism = 'SCRAM-SHA-512';

function readable(file: string, name: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    throw new InvalidValueError(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file);
  }
}

/**
 * The client's settings from a spec, or undefined for plain PLAINTEXT. Throws InvalidValueError naming the setting:
 * SASL settings without a SASL protocol, TLS files without a TLS protocol, a certificate without its key, a SASL
 * protocol without a user or a password (file or TRIBUTARY_SASL_PASSWORD), unreadable files.
 */
export function resolveSecuritySpec(spec: SecuritySpec, names: SpecNames, env: NodeJS.ProcessEnv = process.env): ClientSecurity | undefined {
  const protocol = spec.protocol ?? 'PLAINTEXT';
  if (!SECURITY_PROTOCOLS.includes(protocol)) throw new InvalidValueError(`${names.protocol} must be one of ${SECURITY_PROTOCOLS.join(', ')}`, protocol);
  const sasl = protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT';
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const s = spec.sasl ?? {};
  const givenSasl = ([['mechanism', s.mechanism], ['username', s.username], ['passwordFile', s.passwordFile]] as const).filter(([, v]) => v !== undefined);
  if (!sasl && givenSasl.length > 0) {
    throw new InvalidValueError(`${names[givenSasl[0]![0]]} needs ${names.protocol} SASL_SSL (or SASL_PLAINTEXT); the security protocol is ${protocol}`, protocol);
  }
  const givenTls = ([['ca', spec.ca], ['cert', spec.cert], ['key', spec.key]] as const).filter(([, v]) => v !== undefined);
  if (!tls && givenTls.length > 0) {
    throw new InvalidValueError(`${names[givenTls[0]![0]]} needs ${names.protocol} SSL or SASL_SSL; the security protocol is ${protocol}`, protocol);
  }
  if ((spec.cert === undefined) !== (spec.key === undefined)) throw new InvalidValueError(`${names.cert} and ${names.key} go together (a client certificate and its key)`, spec.cert ?? spec.key);
  if (protocol === 'PLAINTEXT') return undefined;
  const cas = spec.ca === undefined ? undefined : Array.isArray(spec.ca) ? spec.ca : [spec.ca];
  for (const f of cas ?? []) readable(f, names.ca);
  if (spec.cert !== undefined) readable(spec.cert, names.cert);
  if (spec.key !== undefined) readable(spec.key, names.key);
  const out: ClientSecurity = { protocol, ca: cas, cert: spec.cert, key: spec.key, servername: spec.servername, rejectUnauthorized: spec.rejectUnauthorized };
  if (sasl) {
    const mechanism = s.mechanism ?? DEFAULT_SASL_MECHANISM;
    if (!SASL_MECHANISMS.includes(mechanism)) throw new InvalidValueError(`${names.mechanism} must be one of ${SASL_MECHANISMS.join(', ')}`, mechanism);
    if (!s.username) throw new InvalidValueError(`${protocol} needs a user name: ${names.username} NAME`, undefined);
    let password: string | null;
    try {
      password = saslPassword(s.passwordFile, env);
    } catch (err) {
      throw new InvalidValueError(`${names.passwordFile}: ${(err as Error).message}`, s.passwordFile);
    }
    if (password === null) throw new InvalidValueError(`${protocol} needs a password: ${names.passwordFile} FILE, or the environment variable ${SASL_PASSWORD_ENV}`, undefined);
    out.sasl = { mechanism, username: s.username, password };
  }
  return out;
}

const objectOf = (v: unknown, key: string, known: readonly string[]): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidValueError(`${key} must be an object`, v);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new InvalidValueError(`${key}.${k} is not a setting; known: ${known.join(', ')}`, k);
  return o;
};

function text(v: unknown, key: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new InvalidValueError(`${key} must be a non-empty string`, v);
  return v;
}

function choice<T extends string>(v: unknown, key: string, choices: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new InvalidValueError(`${key} must be one of ${choices.join(', ')}`, v);
  return v as T;
}

/**
 * A `"security"` object as a config file writes it: `{"protocol": "SASL_SSL", "ca": FILE, "cert": FILE, "key": FILE,
 * "servername": …, "rejectUnauthorized": …, "sasl": {"mechanism": …, "username": …, "passwordFile": FILE}}`. Only its
 * shape is checked here (resolveSecuritySpec checks it as a whole). A password in the file is refused: config files
 * get copied and shared.
 */
export function parseSecurityObject(v: unknown, key: string): SecuritySpec {
  const o = objectOf(v, key, ['protocol', 'ca', 'cert', 'key', 'servername', 'rejectUnauthorized', 'sasl']);
  let sasl: SecuritySpec['sasl'];
  if (o.sasl !== undefined) {
    if (typeof o.sasl === 'object' && o.sasl !== null && 'password' in o.sasl) {
      throw new InvalidValueError(`${key}.sasl.password is not read (config files get copied and shared); put the password in a file named by passwordFile, or in ${SASL_PASSWORD_ENV}`, key);
    }
    const so = objectOf(o.sasl, `${key}.sasl`, ['mechanism', 'username', 'passwordFile']);
    sasl = { mechanism: choice(so.mechanism, `${key}.sasl.mechanism`, SASL_MECHANISMS), username: text(so.username, `${key}.sasl.username`), passwordFile: text(so.passwordFile, `${key}.sasl.passwordFile`) };
  }
  const ca = o.ca === undefined ? undefined : typeof o.ca === 'string' ? [o.ca] : o.ca;
  if (ca !== undefined && (!Array.isArray(ca) || ca.some((x) => typeof x !== 'string' || x === ''))) throw new InvalidValueError(`${key}.ca must be a file or a list of files`, o.ca);
  if (o.rejectUnauthorized !== undefined && typeof o.rejectUnauthorized !== 'boolean') throw new InvalidValueError(`${key}.rejectUnauthorized must be true or false`, o.rejectUnauthorized);
  return {
    protocol: choice(o.protocol, `${key}.protocol`, SECURITY_PROTOCOLS),
    ca: ca as string[] | undefined,
    cert: text(o.cert, `${key}.cert`),
    key: text(o.key, `${key}.key`),
    servername: text(o.servername, `${key}.servername`),
    rejectUnauthorized: o.rejectUnauthorized as boolean | undefined,
    sasl,
  };
}

/** How messages name the settings of a `"security"` object at `key` (e.g. `connections.prod.security`). */
export function specNamesAt(key: string): SpecNames {
  return { protocol: `${key}.protocol`, mechanism: `${key}.sasl.mechanism`, username: `${key}.sasl.username`, passwordFile: `${key}.sasl.passwordFile`, ca: `${key}.ca`, cert: `${key}.cert`, key: `${key}.key` };
}
