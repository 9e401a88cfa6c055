// The authorizer's decisions against hand-written expectations of Kafka's rules: DENY wins, ALL covers all, READ /
// WRITE / DELETE / ALTER imply DESCRIBE (ALLOW only), ALTER_CONFIGS implies DESCRIBE_CONFIGS, literal / * / prefixed
// patterns, principal and host wildcards, super users, the loopback-anonymous rule, and ACL changes seen at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AclBinding } from '../../../src/broker/security/acl.js';
import { AclStore } from '../../../src/broker/security/acl-store.js';
import { writeAcls } from '../../../src/broker/security/acls-file.js';
import { Authorizer } from '../../../src/broker/security/authorizer.js';
import { sessionOf, type Session } from '../../../src/broker/security/session.js';
import { silentLogger } from '../../../src/common/logger.js';

let dir: string;
let store: AclStore;
let authz: Authorizer;

/** A SASL user connecting from another machine. */
const user = (name: string, address = '10.1.2.3'): Session => sessionOf({ remoteAddress: address, principal: name, tlsPrincipal: null });
const allow = (principal: string, operation: AclBinding['operation'], resourceType: AclBinding['resourceType'], resourceName: string, extra: Partial<AclBinding> = {}): AclBinding => ({
  principal,
  operation,
  resourceType,
  resourceName,
  patternType: 'LITERAL',
  host: '*',
  permission: 'ALLOW',
  ...extra,
});
const deny = (principal: string, operation: AclBinding['operation'], resourceType: AclBinding['resourceType'], resourceName: string, extra: Partial<AclBinding> = {}) =>
  allow(principal, operation, resourceType, resourceName, { permission: 'DENY', ...extra });

async function withAcls(acls: AclBinding[], superUsers: string[] = ['User:admin']) {
  writeAcls(join(dir, 'acls.json'), acls);
  store = await AclStore.open(join(dir, 'acls.json'), silentLogger, 60_000);
  authz = new Authorizer(store, superUsers, silentLogger);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-authz-'));
});
afterEach(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('authorizer', () => {
  it('denies what no ALLOW grants, and grants exactly the operation, resource and principal an ALLOW names', async () => {
    await withAcls([allow('User:alice', 'WRITE', 'TOPIC', 'logs')]);
    expect(authz.authorize(user('alice'), 'WRITE', 'TOPIC', 'logs')).toBe(true);
    expect(authz.authorize(user('alice'), 'READ', 'TOPIC', 'logs')).toBe(false);
    expect(authz.authorize(user('alice'), 'WRITE', 'TOPIC', 'logs2')).toBe(false);
    expect(authz.authorize(user('alice'), 'WRITE', 'GROUP', 'logs')).toBe(false);
    expect(authz.authorize(user('bob'), 'WRITE', 'TOPIC', 'logs')).toBe(false);
  });

  it('lets a DENY win over any ALLOW, including ALL and wildcards', async () => {
    await withAcls([
      allow('User:*', 'ALL', 'TOPIC', '*'),
      deny('User:alice', 'WRITE', 'TOPIC', 'secret'),
      deny('User:bob', 'ALL', 'TOPIC', 'audit-', { patternType: 'PREFIXED' }),
    ]);
    expect(authz.authorize(user('alice'), 'WRITE', 'TOPIC', 'secret')).toBe(false);
    expect(authz.authorize(user('alice'), 'READ', 'TOPIC', 'secret')).toBe(true);
    expect(authz.authorize(user('alice'), 'WRITE', 'TOPIC', 'other')).toBe(true);
    expect(authz.authorize(user('bob'), 'READ', 'TOPIC', 'audit-2024')).toBe(false);
    expect(authz.authorize(user('bob'), 'DESCRIBE', 'TOPIC', 'audit-2024')).toBe(false);
    expect(authz.authorize(user('bob'), 'READ', 'TOPIC', 'audi')).toBe(true);
  });

  it('implies DESCRIBE from READ, WRITE, DELETE and ALTER, and DESCRIBE_CONFIGS from ALTER_CONFIGS, for ALLOW only', async () => {
    await withAcls([
      allow('User:r', 'READ', 'TOPIC', 't'),
      allow('User:w', 'WRITE', 'TOPIC', 't'),
      allow('User:d', 'DELETE', 'TOPIC', 't'),
      allow('User:a', 'ALTER', 'TOPIC', 't'),
      allow('User:c', 'CREATE', 'TOPIC', 't'),
      allow('User:ac', 'ALTER_CONFIGS', 'TOPIC', 't'),
      allow('User:x', 'DESCRIBE', 'TOPIC', 't'),
      deny('User:x', 'READ', 'TOPIC', 't'),
      allow('User:g', 'READ', 'GROUP', 'g'),
    ]);
    for (const u of ['r', 'w', 'd', 'a']) expect(authz.authorize(user(u), 'DESCRIBE', 'TOPIC', 't'), u).toBe(true);
    expect(authz.authorize(user('c'), 'DESCRIBE', 'TOPIC', 't')).toBe(false);
    expect(authz.authorize(user('ac'), 'DESCRIBE_CONFIGS', 'TOPIC', 't')).toBe(true);
    expect(authz.authorize(user('ac'), 'DESCRIBE', 'TOPIC', 't')).toBe(false);
    // DESCRIBE implies nothing upward.
    expect(authz.authorize(user('x'), 'READ', 'TOPIC', 't')).toBe(false);
    // A DENY of READ denies READ only, not the DESCRIBE an ALLOW grants.
    expect(authz.authorize(user('x'), 'DESCRIBE', 'TOPIC', 't')).toBe(true);
    expect(authz.authorize(user('g'), 'DESCRIBE', 'GROUP', 'g')).toBe(true);
    expect(authz.authorize(user('r'), 'WRITE', 'TOPIC', 't')).toBe(false);
  });

  it('matches literal names exactly, * as every name, and prefixes by start of name (an empty prefix: every name)', async () => {
    await withAcls([
      allow('User:lit', 'READ', 'TOPIC', 'app'),
      allow('User:star', 'READ', 'TOPIC', '*'),
      allow('User:pre', 'READ', 'TOPIC', 'app-', { patternType: 'PREFIXED' }),
      allow('User:all', 'WRITE', 'TOPIC', '', { patternType: 'PREFIXED' }),
      // A prefixed "*" is a prefix like any other, not a wildcard.
      allow('User:pstar', 'READ', 'TOPIC', '*', { patternType: 'PREFIXED' }),
    ]);
    expect(authz.authorize(user('lit'), 'READ', 'TOPIC', 'app')).toBe(true);
    expect(authz.authorize(user('lit'), 'READ', 'TOPIC', 'app-1')).toBe(false);
    expect(authz.authorize(user('star'), 'READ', 'TOPIC', 'anything.at_all')).toBe(true);
    expect(authz.authorize(user('pre'), 'READ', 'TOPIC', 'app-web')).toBe(true);
    expect(authz.authorize(user('pre'), 'READ', 'TOPIC', 'app-')).toBe(true);
    expect(authz.authorize(user('pre'), 'READ', 'TOPIC', 'app')).toBe(false);
    expect(authz.authorize(user('pre'), 'READ', 'TOPIC', 'xapp-web')).toBe(false);
    expect(authz.authorize(user('all'), 'WRITE', 'TOPIC', 'x')).toBe(true);
    expect(authz.authorize(user('pstar'), 'READ', 'TOPIC', 'x')).toBe(false);
    expect(authz.authorize(user('pstar'), 'READ', 'TOPIC', '*x')).toBe(true);
  });

  it('matches User:* as every principal (anonymous included) and a host as that client address only', async () => {
    await withAcls([allow('User:*', 'READ', 'GROUP', 'shared'), allow('User:alice', 'READ', 'TOPIC', 't', { host: '10.0.0.7' }), allow('User:alice', 'WRITE', 'TOPIC', 't', { host: '::1' })]);
    expect(authz.authorize(user('anyone'), 'READ', 'GROUP', 'shared')).toBe(true);
    expect(authz.authorize(sessionOf({ remoteAddress: '192.168.5.5', principal: null, tlsPrincipal: null }), 'READ', 'GROUP', 'shared')).toBe(true);
    expect(authz.authorize(user('alice', '10.0.0.7'), 'READ', 'TOPIC', 't')).toBe(true);
    // An IPv4-mapped IPv6 address is its IPv4 address.
    expect(authz.authorize(user('alice', '::ffff:10.0.0.7'), 'READ', 'TOPIC', 't')).toBe(true);
    expect(authz.authorize(user('alice', '10.0.0.8'), 'READ', 'TOPIC', 't')).toBe(false);
    expect(authz.authorize(user('alice', '::1'), 'WRITE', 'TOPIC', 't')).toBe(true);
  });

  it('grants super users and the loopback-anonymous user everything; remote anonymous and loopback logins only their ACLs', async () => {
    await withAcls([allow('User:ANONYMOUS', 'DESCRIBE', 'TOPIC', 'public')], ['User:admin', 'User:CN=ops,O=acme']);
    expect(authz.authorize(user('admin'), 'DELETE', 'TOPIC', 'x')).toBe(true);
    expect(authz.authorize(sessionOf({ remoteAddress: '10.0.0.1', principal: null, tlsPrincipal: 'CN=ops,O=acme' }), 'ALTER', 'CLUSTER', 'kafka-cluster')).toBe(true);
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect(authz.authorize(sessionOf({ remoteAddress: address, principal: null, tlsPrincipal: null }), 'DELETE', 'TOPIC', 'x'), address).toBe(true);
    }
    const remote = sessionOf({ remoteAddress: '192.0.2.10', principal: null, tlsPrincipal: null });
    expect(remote.principal).toBe('User:ANONYMOUS');
    expect(authz.authorize(remote, 'DELETE', 'TOPIC', 'x')).toBe(false);
    expect(authz.authorize(remote, 'READ', 'TOPIC', 'public')).toBe(false);
    expect(authz.authorize(remote, 'DESCRIBE', 'TOPIC', 'public')).toBe(true);
    // Logged in from this machine: a user like any other, not the workstation's anonymous super user.
    expect(authz.authorize(user('bob', '127.0.0.1'), 'DELETE', 'TOPIC', 'x')).toBe(false);
    // SASL wins over the certificate.
    expect(sessionOf({ remoteAddress: '10.0.0.1', principal: 'alice', tlsPrincipal: 'CN=ops,O=acme' }).principal).toBe('User:alice');
  });

  it('sees a change of the ACLs at once, though the decision before it was cached', async () => {
    await withAcls([]);
    const alice = user('alice');
    expect(authz.authorize(alice, 'WRITE', 'TOPIC', 'logs')).toBe(false);
    await store.add([allow('User:alice', 'WRITE', 'TOPIC', 'logs')]);
    expect(authz.authorize(alice, 'WRITE', 'TOPIC', 'logs')).toBe(true);
    await store.add([deny('User:alice', 'WRITE', 'TOPIC', '*')]);
    expect(authz.authorize(alice, 'WRITE', 'TOPIC', 'logs')).toBe(false);
    await store.remove((b) => b.permission === 'DENY');
    expect(authz.authorize(alice, 'WRITE', 'TOPIC', 'logs')).toBe(true);
  });

  it('answers "WRITE on any topic" (InitProducerId) unless a DENY covers every topic the ALLOWs name', async () => {
    await withAcls([
      allow('User:a', 'WRITE', 'TOPIC', 'logs-', { patternType: 'PREFIXED' }),
      allow('User:b', 'WRITE', 'TOPIC', 'x'),
      deny('User:b', 'WRITE', 'TOPIC', '*'),
      allow('User:c', 'WRITE', 'TOPIC', 'logs-web'),
      deny('User:c', 'WRITE', 'TOPIC', 'logs-', { patternType: 'PREFIXED' }),
      allow('User:d', 'READ', 'TOPIC', '*'),
    ]);
    expect(authz.authorizeAny(user('a'), 'WRITE', 'TOPIC')).toBe(true);
    expect(authz.authorizeAny(user('b'), 'WRITE', 'TOPIC')).toBe(false);
    expect(authz.authorizeAny(user('c'), 'WRITE', 'TOPIC')).toBe(false);
    expect(authz.authorizeAny(user('d'), 'WRITE', 'TOPIC')).toBe(false);
  });
});
