// The add/edit connection form as plain data: filled from what the API shows (never a password), turned into the
// body PUT and the test take, and an API message mapped to the field it is about, so the error sits beside it.
import type { Connection, ConnectionSettings, SaslMechanism, SecurityProtocol } from './connection-types.js';

export const PROTOCOLS: SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
export const MECHANISMS: SaslMechanism[] = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'];

export interface ConnectionForm {
  name: string;
  isNew: boolean;
  /** Set in the config file: shown, not editable here. */
  readOnly: boolean;
  bootstrap: string;
  follow: string;
  start: 'earliest' | 'latest';
  group: string;
  protocol: SecurityProtocol;
  mechanism: SaslMechanism;
  username: string;
  /** typed: a password typed here (stored by the core); file: a password file on the core's machine. */
  passwordFrom: 'typed' | 'file';
  /** Typed now; empty keeps the stored one. Never filled from the API. */
  password: string;
  passwordFile: string;
  /** Where the saved password comes from today, to say what an empty field keeps. */
  savedPassword: 'stored' | 'file' | 'environment' | null;
  /** CA file(s), comma-separated. */
  ca: string;
  cert: string;
  key: string;
  servername: string;
  /** Verify the broker's certificate (the client can only turn verification off as a whole). */
  verify: boolean;
}

export type FormField = 'name' | 'bootstrap' | 'follow' | 'group' | 'protocol' | 'mechanism' | 'username' | 'password' | 'passwordFile' | 'ca' | 'cert' | 'key';

export const usesTls = (p: SecurityProtocol) => p === 'SSL' || p === 'SASL_SSL';
export const usesSasl = (p: SecurityProtocol) => p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';

export function newForm(): ConnectionForm {
  return { name: '', isNew: true, readOnly: false, bootstrap: '', follow: '', start: 'earliest', group: '', protocol: 'PLAINTEXT', mechanism: 'SCRAM-SHA-512', username: '', passwordFrom: 'typed', password: '', passwordFile: '', savedPassword: null, ca: '', cert: '', key: '', servername: '', verify: true };
}

export function formOf(c: Connection): ConnectionForm {
  const s = c.security;
  const sasl = s?.sasl ?? null;
  return {
    ...newForm(),
    name: c.name,
    isNew: false,
    readOnly: c.source === 'config',
    bootstrap: c.bootstrap.join(','),
    follow: c.follow.join(', '),
    start: c.start ?? 'earliest',
    group: c.group,
    protocol: s?.protocol ?? 'PLAINTEXT',
    mechanism: sasl?.mechanism ?? 'SCRAM-SHA-512',
    username: sasl?.username ?? '',
    passwordFrom: sasl?.password === 'file' ? 'file' : 'typed',
    passwordFile: sasl?.passwordFile ?? '',
    savedPassword: sasl?.password ?? null,
    ca: (s?.ca ?? []).join(', '),
    cert: s?.cert ?? '',
    key: s?.key ?? '',
    servername: s?.servername ?? '',
    verify: s?.rejectUnauthorized ?? true,
  };
}

const opt = (v: string): string | undefined => (v.trim() === '' ? undefined : v.trim());

/** The API body: only the settings the protocol uses, so a field left over from another protocol is not refused. */
export function bodyOf(f: ConnectionForm): ConnectionSettings {
  const body: ConnectionSettings = { bootstrap: f.bootstrap.trim(), follow: f.follow.split(/[\s,]+/).filter(Boolean), start: f.start };
  const group = opt(f.group);
  if (group) body.group = group;
  if (f.protocol === 'PLAINTEXT') return body;
  const security: NonNullable<ConnectionSettings['security']> = { protocol: f.protocol };
  if (usesTls(f.protocol)) {
    const ca = opt(f.ca);
    if (ca) security.ca = ca.includes(',') ? ca.split(',').map((x) => x.trim()).filter(Boolean) : ca;
    if (opt(f.cert)) security.cert = opt(f.cert);
    if (opt(f.key)) security.key = opt(f.key);
    if (opt(f.servername)) security.servername = opt(f.servername);
    if (!f.verify) security.rejectUnauthorized = false;
  }
  if (usesSasl(f.protocol)) {
    security.sasl = { mechanism: f.mechanism, username: opt(f.username) };
    if (f.passwordFrom === 'file') security.sasl.passwordFile = opt(f.passwordFile);
    // Empty: nothing sent, and the core keeps the stored password (or uses TRIBUTARY_SASL_PASSWORD).
    else if (f.password !== '') security.sasl.password = f.password;
  }
  body.security = security;
  return body;
}

/** The form field an API message is about (the core names settings as `connections.NAME.security.ca` etc.). */
export function fieldOf(message: string): FormField | null {
  const rules: [RegExp, FormField][] = [
    [/needs \S*security\.protocol|security\.protocol\b/, 'protocol'],
    // Before passwordFile: "needs a password: …passwordFile FILE, or …" is about a missing password.
    [/needs a password|security\.sasl\.password\b/, 'password'],
    [/security\.sasl\.passwordFile|password file/, 'passwordFile'],
    [/security\.sasl\.username|needs a user name/, 'username'],
    [/security\.sasl\.mechanism/, 'mechanism'],
    [/security\.ca\b/, 'ca'],
    [/security\.cert\b/, 'cert'],
    [/security\.key\b/, 'key'],
    [/\.bootstrap\b|HOST:PORT/, 'bootstrap'],
    [/\.follow\b/, 'follow'],
    [/\.group\b/, 'group'],
    [/connection name|embedded broker's connection/, 'name'],
  ];
  return rules.find(([re]) => re.test(message))?.[1] ?? null;
}

/** How the form names each field, for the line under the buttons. */
export const FIELD_LABEL: Record<FormField, string> = {
  name: 'name', bootstrap: 'bootstrap servers', follow: 'follow list', group: 'consumer group', protocol: 'security protocol', mechanism: 'SASL mechanism',
  username: 'user name', password: 'password', passwordFile: 'password file', ca: 'CA certificate file', cert: 'client certificate', key: 'client key',
};

/** A core message as the form shows it: without the `connections.NAME.` the config file needs to place it. */
export function formMessage(message: string): string {
  return message.replace(/\bconnections\.[A-Za-z0-9_-]+\./g, '');
}

/** The field a failed test points at: TCP → the servers, TLS → the CA, SASL → the password. */
export function fieldOfStage(stage: 'tcp' | 'tls' | 'sasl' | 'kafka'): FormField | null {
  return stage === 'tcp' ? 'bootstrap' : stage === 'tls' ? 'ca' : stage === 'sasl' ? 'password' : null;
}

export const STAGE_LABEL = { tcp: 'TCP connection failed', tls: 'TLS handshake failed', sasl: 'SASL authentication failed', kafka: 'Kafka request failed' } as const;
