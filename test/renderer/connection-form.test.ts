// The connection form's pure helpers (renderer/src/lib/connection-form.ts): what the API shows becomes a form and
// back into the body PUT takes without losing a setting or inventing a password, and the core's own validation
// messages (from its real parser) point at the field they are about.
import { describe, expect, it } from 'vitest';
import { bodyOf, fieldOf, formMessage, formOf, newForm } from '../../renderer/src/lib/connection-form.js';
import type { Connection } from '../../renderer/src/lib/connection-types.js';
import { parseConnections } from '../../src/ingest/follow/connection-config.js';

const view = (security: Connection['security'], over: Partial<Connection> = {}): Connection => ({
  name: 'prod', bootstrap: ['k1:9093', 'k2:9093'], follow: ['app-logs', 'web-*'], group: 'mirror', state: 'following', error: null, lag: 0, source: 'api', start: 'latest', security, topics: [], ...over,
});

/** The message the core's config parser gives for a connection body. */
function messageFor(body: unknown): string {
  try {
    parseConnections({ prod: body }, {});
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${JSON.stringify(body)} was accepted`);
}

describe('formOf / bodyOf', () => {
  it('round-trips SASL_SSL settings and sends no password unless one is typed', () => {
    const f = formOf(view({ protocol: 'SASL_SSL', ca: ['/etc/ca.pem'], cert: '/etc/c.pem', key: '/etc/c.key', servername: 'kafka.internal', rejectUnauthorized: true, sasl: { mechanism: 'SCRAM-SHA-256', username: 'mirror', passwordFile: null, password: 'stored' } }));
    expect(f).toMatchObject({ readOnly: false, isNew: false, password: '', savedPassword: 'stored', passwordFrom: 'typed' });
    expect(bodyOf(f)).toEqual({
      bootstrap: 'k1:9093,k2:9093', follow: ['app-logs', 'web-*'], start: 'latest', group: 'mirror',
      security: { protocol: 'SASL_SSL', ca: '/etc/ca.pem', cert: '/etc/c.pem', key: '/etc/c.key', servername: 'kafka.internal', sasl: { mechanism: 'SCRAM-SHA-256', username: 'mirror' } },
    });
    expect(bodyOf({ ...f, password: 's3cret' }).security?.sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'mirror', password: 's3cret' });
  });

  it('keeps a password file, several CAs, and no-verification; drops settings the protocol does not use', () => {
    const f = formOf(view({ protocol: 'SASL_SSL', ca: ['/a.pem', '/b.pem'], cert: null, key: null, servername: null, rejectUnauthorized: false, sasl: { mechanism: 'PLAIN', username: 'u', passwordFile: '/run/pw', password: 'file' } }));
    expect(bodyOf(f).security).toEqual({ protocol: 'SASL_SSL', ca: ['/a.pem', '/b.pem'], rejectUnauthorized: false, sasl: { mechanism: 'PLAIN', username: 'u', passwordFile: '/run/pw' } });
    expect(bodyOf({ ...f, protocol: 'SSL' }).security).toEqual({ protocol: 'SSL', ca: ['/a.pem', '/b.pem'], rejectUnauthorized: false });
    expect(bodyOf({ ...f, protocol: 'SASL_PLAINTEXT' }).security).toEqual({ protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: 'u', passwordFile: '/run/pw' } });
    expect(bodyOf({ ...f, protocol: 'PLAINTEXT' }).security).toBeUndefined();
  });

  it('opens config-file connections read-only, and a new form empty', () => {
    expect(formOf(view(null, { source: 'config' })).readOnly).toBe(true);
    expect(bodyOf({ ...newForm(), bootstrap: ' k:9092 ' })).toEqual({ bootstrap: 'k:9092', follow: [], start: 'earliest' });
  });
});

describe('fieldOf (the core message beside its field)', () => {
  it("maps the core's validation messages to the field they are about", () => {
    expect(fieldOf(messageFor({ bootstrap: 'no port' }))).toBe('bootstrap');
    expect(fieldOf(messageFor({ bootstrap: 'k:1', follow: ['bad topic'] }))).toBe('follow');
    expect(fieldOf(messageFor({ bootstrap: 'k:1', security: { protocol: 'SSL', ca: '/nonexistent/ca.pem' } }))).toBe('ca');
    expect(fieldOf(messageFor({ bootstrap: 'k:1', security: { protocol: 'SSL', cert: '/nonexistent/c.pem' } }))).toBe('cert');
    expect(fieldOf(messageFor({ bootstrap: 'k:1', security: { protocol: 'SASL_SSL', sasl: { mechanism: 'PLAIN' } } }))).toBe('username');
    expect(fieldOf(messageFor({ bootstrap: 'k:1', security: { protocol: 'SASL_SSL', sasl: { username: 'u' } } }))).toBe('password');
    expect(fieldOf(messageFor({ bootstrap: 'k:1', security: { protocol: 'SASL_SSL', sasl: { username: 'u', passwordFile: '/nonexistent/pw' } } }))).toBe('passwordFile');
    expect(fieldOf(messageFor({ bootstrap: 'k:1', security: { protocol: 'PLAINTEXT', sasl: { username: 'u' } } }))).toBe('protocol');
    expect(fieldOf(messageFor({ bootstrap: 'k:1', security: { protocol: 'TLS' } }))).toBe('protocol');
    expect(fieldOf('something else entirely')).toBeNull();
  });
});

describe('formMessage', () => {
  it('drops the config-file path the core puts before a setting', () => {
    const m = messageFor({ bootstrap: 'k:1', security: { protocol: 'SSL', ca: '/nonexistent/ca.pem' } });
    expect(m.startsWith('connections.prod.security.ca: cannot read /nonexistent/ca.pem')).toBe(true);
    expect(formMessage(m).startsWith('security.ca: cannot read /nonexistent/ca.pem')).toBe(true);
  });
});
