// The ACL model: what may be stored, Kafka's filter matching (ANY, MATCH, LITERAL, PREFIXED), and DATA/acls.json
// (parsed with errors that name the entry, changed under a lock without losing concurrent changes).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filterMatches, invalidAcl, type AclBinding, type AclFilter } from '../../../src/broker/security/acl.js';
import { addAcls, readAcls, removeAcls } from '../../../src/broker/security/acls-file.js';

const acl = (x: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: 'TOPIC', resourceName: 'logs', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW', ...x,
});
const any: AclFilter = { resourceType: 'ANY', resourceName: null, patternType: 'ANY', principal: null, host: null, operation: 'ANY', permission: 'ANY' };

describe('ACL model', () => {
  it('refuses what Kafka refuses (and what means nothing here), with a reason', () => {
    expect(invalidAcl(acl())).toBeNull();
    expect(invalidAcl(acl({ principal: 'alice' }))).toMatch(/TYPE:NAME/);
    expect(invalidAcl(acl({ host: 'myhost.example' }))).toMatch(/IP address or \*/);
    expect(invalidAcl(acl({ host: '2001:db8::1' }))).toBeNull();
    expect(invalidAcl(acl({ resourceName: '' }))).toMatch(/empty/);
    expect(invalidAcl(acl({ resourceName: '', patternType: 'PREFIXED' }))).toBeNull();
    expect(invalidAcl(acl({ resourceType: 'CLUSTER', resourceName: 'mine', operation: 'ALTER' }))).toMatch(/kafka-cluster/);
    expect(invalidAcl(acl({ resourceType: 'GROUP', operation: 'WRITE' }))).toMatch(/WRITE does not apply to a GROUP/);
    expect(invalidAcl(acl({ resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'READ' }))).toMatch(/READ does not apply to a CLUSTER/);
  });

  it('matches filters as Kafka does: ANY by exact name, MATCH by what applies to a name, LITERAL/PREFIXED by kind and name', () => {
    const literal = acl({ resourceName: 'app-web' });
    const star = acl({ resourceName: '*' });
    const prefix = acl({ resourceName: 'app-', patternType: 'PREFIXED' });
    const match = (f: Partial<AclFilter>) => [literal, star, prefix].filter((b) => filterMatches({ ...any, ...f }, b)).map((b) => b.resourceName);
    expect(match({})).toEqual(['app-web', '*', 'app-']);
    expect(match({ resourceName: 'app-web' })).toEqual(['app-web']);
    expect(match({ patternType: 'MATCH', resourceName: 'app-web' })).toEqual(['app-web', '*', 'app-']);
    expect(match({ patternType: 'MATCH', resourceName: 'db' })).toEqual(['*']);
    expect(match({ patternType: 'LITERAL' })).toEqual(['app-web', '*']);
    expect(match({ patternType: 'PREFIXED', resourceName: 'app-' })).toEqual(['app-']);
    expect(match({ patternType: 'LITERAL', resourceName: 'app-' })).toEqual([]);
    expect(match({ resourceType: 'GROUP' })).toEqual([]);
    expect(match({ principal: 'User:bob' })).toEqual([]);
    expect(match({ operation: 'READ', permission: 'ALLOW', host: '*' })).toHaveLength(3);
    expect(match({ operation: 'WRITE' })).toEqual([]);
    expect(match({ permission: 'DENY' })).toEqual([]);
  });
});

describe('DATA/acls.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-aclfile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file and the entry when one is wrong', () => {
    const file = join(dir, 'acls.json');
    writeFileSync(file, '{"version": 1, "acls": [{"resourceType":"TOPIC","resourceName":"a","patternType":"LITERAL","principal":"User:a","host":"*","operation":"FLY","permission":"ALLOW"}]}');
    expect(() => readAcls(file)).toThrow(/acls\.json: ACL #1: operation must be one of/);
    writeFileSync(file, '{"version": 2, "acls": []}');
    expect(() => readAcls(file)).toThrow(/not a Tributary ACL file/);
    writeFileSync(file, '{');
    expect(() => readAcls(file)).toThrow(/not valid JSON/);
  });

  it('starts from the defaults when the file is missing, and loses no change when several are made at once', async () => {
    const file = join(dir, 'acls.json');
    const adds = Array.from({ length: 20 }, (_, i) => addAcls(file, [acl({ principal: `User:u${i}` })]));
    expect(await Promise.all(adds)).toEqual(Array(20).fill(1));
    const after = readAcls(file)!;
    expect(after.filter((b) => b.principal === 'User:agent')).toHaveLength(3);
    expect(new Set(after.filter((b) => b.principal !== 'User:agent').map((b) => b.principal)).size).toBe(20);
    expect((await removeAcls(file, (b) => b.principal === 'User:u3')).map((b) => b.principal)).toEqual(['User:u3']);
    expect(readAcls(file)).toHaveLength(22);
  });
});
