// ACLs on a real broker over TCP: SASL users get exactly what their ACLs grant, with Kafka's error codes, while the
// unauthenticated loopback client keeps full access; the default ACLs on first start; DescribeAcls / CreateAcls /
// DeleteAcls (plain and flexible versions); changes to DATA/acls.json applied without a restart; ACLs kept across one.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/broker.js';
import { loadBrokerConfig } from '../../../src/broker/config.js';
import { addAcls, aclsFilePath, readAcls } from '../../../src/broker/security/acls-file.js';
import type { AclBinding } from '../../../src/broker/security/acl.js';
import { scramCredential } from '../../../src/broker/security/scram.js';
import { readUsers, usersFilePath, writeUsers } from '../../../src/broker/security/users-file.js';
import { silentLogger, type Logger } from '../../../src/common/logger.js';
import { buildRecordBatch } from '../../../src/protocol/record-batch-builder.js';
import { CreateAclsRequest, CreateAclsResponse } from '../../../src/protocol/schemas/create-acls.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../../src/protocol/schemas/create-topics.js';
import { DeleteAclsRequest, DeleteAclsResponse } from '../../../src/protocol/schemas/delete-acls.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../../src/protocol/schemas/delete-topics.js';
import { DescribeAclsRequest, DescribeAclsResponse } from '../../../src/protocol/schemas/describe-acls.js';
import { FetchRequest, FetchResponse } from '../../../src/protocol/schemas/fetch.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../src/protocol/schemas/find-coordinator.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../../src/protocol/schemas/init-producer-id.js';
import { JoinGroupRequest, JoinGroupResponse } from '../../../src/protocol/schemas/join-group.js';
import { ListGroupsRequest, ListGroupsResponse } from '../../../src/protocol/schemas/list-groups.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/schemas/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/schemas/produce.js';
import { saslLogin } from '../../helpers/sasl-client.js';
import { WireClient } from '../../helpers/wire-client.js';

// Kafka's error codes, written out (not taken from the code under test).
const TOPIC_AUTHORIZATION_FAILED = 29;
const GROUP_AUTHORIZATION_FAILED = 30;
const CLUSTER_AUTHORIZATION_FAILED = 31;
const INVALID_REQUEST = 42;
// Kafka's ACL codes.
const TOPIC = 2, GROUP = 3, CLUSTER = 4, ANY = 1, MATCH = 2, LITERAL = 3, PREFIXED = 4;
const READ = 3, WRITE = 4, DESCRIBE = 8, IDEMPOTENT_WRITE = 12, ALLOW = 3, DENY = 2;

let dir: string;
let broker: Broker;
const clients: WireClient[] = [];
const warnings: string[] = [];
const errors: string[] = [];
const logger: Logger = { ...silentLogger, warn: (m: string) => warnings.push(m), error: (m: string) => errors.push(m) };

async function addUser(name: string) {
  const file = usersFilePath(dir);
  const users = readUsers(file);
  users.set(name, { 'SCRAM-SHA-256': await scramCredential('SCRAM-SHA-256', `${name}-pw`, 4096) });
  writeUsers(file, users);
}

const start = async () => {
  broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0' }), logger);
};
const port = (protocol: string) => broker.listenerAddresses().find((l) => l.protocol === protocol)!.port;

/** Logged in as `name` on the SASL listener (from 127.0.0.1: an authenticated user is never the loopback super user). */
async function as(name: string): Promise<WireClient> {
  const c = await WireClient.connect(port('SASL_PLAINTEXT'));
  clients.push(c);
  expect((await saslLogin(c, 'SCRAM-SHA-256', name, `${name}-pw`)).errorCode).toBe(0);
  return c;
}
async function local(): Promise<WireClient> {
  const c = await WireClient.connect(port('PLAINTEXT'));
  clients.push(c);
  return c;
}

const produce = (c: WireClient, topic: string, value = 'v') =>
  c.send(ProduceRequest, ProduceResponse, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch([{ value: Buffer.from(value) }]) }] }],
  });
const produceError = async (c: WireClient, topic: string) => (await produce(c, topic)).responses[0]!.partitionResponses[0]!.errorCode;
const joinGroup = (c: WireClient, groupId: string) =>
  c.send(JoinGroupRequest, JoinGroupResponse, 7, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
const createTopic = (c: WireClient, name: string) =>
  c.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
const describeAll = (c: WireClient, version: number) =>
  c.send(DescribeAclsRequest, DescribeAclsResponse, version, { resourceTypeFilter: ANY, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: null, hostFilter: null, operation: ANY, permissionType: ANY });

const grant = (b: Partial<AclBinding> & Pick<AclBinding, 'principal' | 'operation' | 'resourceType' | 'resourceName'>) =>
  addAcls(aclsFilePath(dir), [{ patternType: 'LITERAL', host: '*', permission: 'ALLOW', ...b }]);

/** Polls (bounded) until `check` passes: the broker looks at the ACL file once a second. */
async function eventually(check: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-acls-'));
  warnings.length = 0;
  errors.length = 0;
  for (const u of ['agent', 'alice', 'bob']) await addUser(u);
  await start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ACLs on a real broker', () => {
  it('writes the default ACLs on first start, owner-readable only: the agent may write and describe every topic, idempotently', async () => {
    const file = aclsFilePath(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new Set(readAcls(file)!.map((b) => `${b.principal} ${b.permission} ${b.operation} ${b.resourceType} ${b.patternType} "${b.resourceName}" ${b.host}`))).toEqual(
      new Set(['User:agent ALLOW WRITE TOPIC PREFIXED "" *', 'User:agent ALLOW DESCRIBE TOPIC PREFIXED "" *', 'User:agent ALLOW IDEMPOTENT_WRITE CLUSTER LITERAL "kafka-cluster" *']),
    );
    const agent = await as('agent');
    const pid = await agent.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: -1 });
    expect(pid.errorCode).toBe(0);
    // Auto-creates a new topic by writing to it (WRITE suffices: the agent's job is to write).
    expect(await produceError(agent, 'agent-new-topic')).toBe(0);
    const md = await agent.send(MetadataRequest, MetadataResponse, 9, { topics: null });
    expect(md.topics.map((t) => t.name)).toContain('agent-new-topic');
    // Nothing else: reading, groups, deleting.
    const fetched = await agent.send(FetchRequest, FetchResponse, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'agent-new-topic', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    expect(fetched.responses[0]!.partitions[0]!.errorCode).toBe(TOPIC_AUTHORIZATION_FAILED);
    expect((await joinGroup(agent, 'g')).errorCode).toBe(GROUP_AUTHORIZATION_FAILED);
    const del = await agent.send(DeleteTopicsRequest, DeleteTopicsResponse, 4, { topics: [], topicNames: ['agent-new-topic'], timeoutMs: 5000 });
    expect(del.responses[0]!.errorCode).toBe(TOPIC_AUTHORIZATION_FAILED);
  });

  it('refuses a produce without WRITE with TOPIC_AUTHORIZATION_FAILED on every partition, and logs who, what and from where', async () => {
    const alice = await as('alice');
    expect(await produceError(alice, 'payments')).toBe(TOPIC_AUTHORIZATION_FAILED);
    // Not even auto-created.
    expect(broker.logs.getTopic('payments')).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/User:alice from 127\.0\.0\.1 may not WRITE TOPIC "payments"/);
    await grant({ principal: 'User:alice', operation: 'WRITE', resourceType: 'TOPIC', resourceName: 'pay', patternType: 'PREFIXED' });
    await eventually(async () => (await produceError(alice, 'payments')) === 0);
    expect(await produceError(alice, 'other')).toBe(TOPIC_AUTHORIZATION_FAILED);
  });

  it('refuses to let a user without READ on the group join it (and FindCoordinator without DESCRIBE)', async () => {
    await grant({ principal: 'User:bob', operation: 'READ', resourceType: 'TOPIC', resourceName: '*' });
    const bob = await as('bob');
    const fc = await bob.send(FindCoordinatorRequest, FindCoordinatorResponse, 2, { key: 'readers', keyType: 0, coordinatorKeys: [] });
    expect(fc.errorCode).toBe(GROUP_AUTHORIZATION_FAILED);
    expect((await joinGroup(bob, 'readers')).errorCode).toBe(GROUP_AUTHORIZATION_FAILED);
    await grant({ principal: 'User:bob', operation: 'READ', resourceType: 'GROUP', resourceName: 'readers' });
    await eventually(async () => (await joinGroup(bob, 'readers')).errorCode !== GROUP_AUTHORIZATION_FAILED);
    expect((await bob.send(FindCoordinatorRequest, FindCoordinatorResponse, 2, { key: 'readers', keyType: 0, coordinatorKeys: [] })).errorCode).toBe(0);
  });

  it('answers InitProducerId without IDEMPOTENT_WRITE or any topic WRITE with CLUSTER_AUTHORIZATION_FAILED', async () => {
    const alice = await as('alice');
    const r = await alice.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: -1 });
    expect(r.errorCode).toBe(CLUSTER_AUTHORIZATION_FAILED);
    await grant({ principal: 'User:alice', operation: 'WRITE', resourceType: 'TOPIC', resourceName: 'just-this' });
    await eventually(async () => (await alice.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: -1 })).errorCode === 0);
  });

  it('leaves topics a user may not describe out of Metadata for all topics, and refuses them by name', async () => {
    const admin = await local();
    for (const t of ['visible-1', 'visible-2', 'hidden']) expect((await createTopic(admin, t)).topics[0]!.errorCode).toBe(0);
    await grant({ principal: 'User:bob', operation: 'DESCRIBE', resourceType: 'TOPIC', resourceName: 'visible-', patternType: 'PREFIXED' });
    const bob = await as('bob');
    await eventually(async () => (await bob.send(MetadataRequest, MetadataResponse, 9, { topics: null })).topics.length > 0);
    const all = await bob.send(MetadataRequest, MetadataResponse, 9, { topics: null });
    expect(all.topics.map((t) => t.name).sort()).toEqual(['visible-1', 'visible-2']);
    const named = await bob.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: 'hidden' }, { name: 'visible-1' }], allowAutoTopicCreation: true });
    expect(named.topics.map((t) => [t.name, t.errorCode])).toEqual([['hidden', TOPIC_AUTHORIZATION_FAILED], ['visible-1', 0]]);
    // DESCRIBE alone does not auto-create.
    const missing = await bob.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: 'visible-new' }], allowAutoTopicCreation: true });
    expect(missing.topics[0]!.errorCode).toBe(3);
    expect(broker.logs.getTopic('visible-new')).toBeUndefined();
    // CreateTopics needs CREATE.
    expect((await createTopic(bob, 'visible-3')).topics[0]!.errorCode).toBe(TOPIC_AUTHORIZATION_FAILED);
    // ListGroups without DESCRIBE on the cluster lists only the groups the user may describe.
    expect((await joinGroup(admin, 'seen-group')).errorCode).toBe(79); // MEMBER_ID_REQUIRED: the group exists now
    expect((await joinGroup(admin, 'unseen-group')).errorCode).toBe(79);
    await grant({ principal: 'User:bob', operation: 'DESCRIBE', resourceType: 'GROUP', resourceName: 'seen-group' });
    await eventually(async () => (await bob.send(ListGroupsRequest, ListGroupsResponse, 4, { statesFilter: [] })).groups.length > 0);
    expect((await bob.send(ListGroupsRequest, ListGroupsResponse, 4, { statesFilter: [] })).groups.map((g) => g.groupId)).toEqual(['seen-group']);
  });

  it('keeps full access for the unauthenticated client on loopback (the workstation user)', async () => {
    const c = await local();
    expect((await createTopic(c, 'local-topic')).topics[0]!.errorCode).toBe(0);
    expect(await produceError(c, 'local-topic')).toBe(0);
    expect((await joinGroup(c, 'local-group')).errorCode).toBe(79);
    expect((await describeAll(c, 1)).errorCode).toBe(0);
    const del = await c.send(DeleteTopicsRequest, DeleteTopicsResponse, 4, { topics: [], topicNames: ['local-topic'], timeoutMs: 5000 });
    expect(del.responses[0]!.errorCode).toBe(0);
  });

  it.each([1, 2, 3])('creates, describes and deletes ACLs through the Kafka admin APIs (v%i)', async (version) => {
    const c = await local();
    const created = await c.send(CreateAclsRequest, CreateAclsResponse, version, {
      creations: [
        { resourceType: TOPIC, resourceName: 'orders', resourcePatternType: LITERAL, principal: 'User:carol', host: '*', operation: READ, permissionType: ALLOW },
        { resourceType: GROUP, resourceName: 'team-', resourcePatternType: PREFIXED, principal: 'User:carol', host: '10.0.0.5', operation: READ, permissionType: DENY },
        { resourceType: TOPIC, resourceName: 'x', resourcePatternType: MATCH, principal: 'User:carol', host: '*', operation: READ, permissionType: ALLOW },
        { resourceType: TOPIC, resourceName: 'x', resourcePatternType: LITERAL, principal: 'carol', host: '*', operation: READ, permissionType: ALLOW },
      ],
    });
    expect(created.results.map((r) => r.errorCode)).toEqual([0, 0, INVALID_REQUEST, INVALID_REQUEST]);
    const carol = await c.send(DescribeAclsRequest, DescribeAclsResponse, version, {
      resourceTypeFilter: ANY, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: 'User:carol', hostFilter: null, operation: ANY, permissionType: ANY,
    });
    expect(carol.errorCode).toBe(0);
    expect(carol.resources).toEqual(
      expect.arrayContaining([
        { resourceType: TOPIC, resourceName: 'orders', patternType: LITERAL, acls: [{ principal: 'User:carol', host: '*', operation: READ, permissionType: ALLOW }] },
        { resourceType: GROUP, resourceName: 'team-', patternType: PREFIXED, acls: [{ principal: 'User:carol', host: '10.0.0.5', operation: READ, permissionType: DENY }] },
      ]),
    );
    expect(carol.resources).toHaveLength(2);
    // MATCH: the ACLs that apply to group "team-red".
    const match = await c.send(DescribeAclsRequest, DescribeAclsResponse, version, {
      resourceTypeFilter: GROUP, resourceNameFilter: 'team-red', patternTypeFilter: MATCH, principalFilter: null, hostFilter: null, operation: ANY, permissionType: ANY,
    });
    expect(match.resources.map((r) => r.resourceName)).toEqual(['team-']);
    // In force: carol's ACLs are in the file the broker reads.
    expect(readAcls(aclsFilePath(dir))!.filter((b) => b.principal === 'User:carol')).toHaveLength(2);
    const deleted = await c.send(DeleteAclsRequest, DeleteAclsResponse, version, {
      filters: [
        { resourceTypeFilter: TOPIC, resourceNameFilter: 'orders', patternTypeFilter: LITERAL, principalFilter: 'User:carol', hostFilter: null, operation: ANY, permissionType: ANY },
        { resourceTypeFilter: CLUSTER, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: 'User:nobody', hostFilter: null, operation: ANY, permissionType: ANY },
      ],
    });
    expect(deleted.filterResults.map((r) => [r.errorCode, r.matchingAcls.map((a) => `${a.principal} ${a.resourceName} ${a.operation}`)])).toEqual([
      [0, ['User:carol orders 3']],
      [0, []],
    ]);
    expect(readAcls(aclsFilePath(dir))!.filter((b) => b.principal === 'User:carol').map((b) => b.resourceName)).toEqual(['team-']);
  });

  it('refuses the ACL admin APIs to a user without DESCRIBE / ALTER on the cluster', async () => {
    const alice = await as('alice');
    expect((await describeAll(alice, 2)).errorCode).toBe(CLUSTER_AUTHORIZATION_FAILED);
    const created = await alice.send(CreateAclsRequest, CreateAclsResponse, 2, {
      creations: [{ resourceType: TOPIC, resourceName: '*', resourcePatternType: LITERAL, principal: 'User:alice', host: '*', operation: 2, permissionType: ALLOW }],
    });
    expect(created.results.map((r) => r.errorCode)).toEqual([CLUSTER_AUTHORIZATION_FAILED]);
    expect(readAcls(aclsFilePath(dir))!.some((b) => b.principal === 'User:alice')).toBe(false);
    const deleted = await alice.send(DeleteAclsRequest, DeleteAclsResponse, 2, {
      filters: [{ resourceTypeFilter: ANY, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: null, hostFilter: null, operation: ANY, permissionType: ANY }],
    });
    expect(deleted.filterResults[0]!.errorCode).toBe(CLUSTER_AUTHORIZATION_FAILED);
    expect(readAcls(aclsFilePath(dir))).toHaveLength(3);
  });

  it('keeps ACLs across a restart, and does not bring back default ACLs that were removed', async () => {
    const c = await local();
    await c.send(DeleteAclsRequest, DeleteAclsResponse, 1, {
      filters: [{ resourceTypeFilter: CLUSTER, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: 'User:agent', hostFilter: null, operation: IDEMPOTENT_WRITE, permissionType: ANY }],
    });
    await c.send(CreateAclsRequest, CreateAclsResponse, 1, {
      creations: [{ resourceType: TOPIC, resourceName: 'kept', resourcePatternType: LITERAL, principal: 'User:alice', host: '*', operation: WRITE, permissionType: ALLOW }],
    });
    c.close();
    await broker.stop();
    await start();
    const alice = await as('alice');
    expect(await produceError(alice, 'kept')).toBe(0);
    const acls = (await describeAll(await local(), 1)).resources.flatMap((r) => r.acls.map((a) => `${a.principal} ${r.resourceType} ${a.operation}`));
    expect(acls.sort()).toEqual([`User:agent ${TOPIC} ${WRITE}`, `User:agent ${TOPIC} ${DESCRIBE}`, `User:alice ${TOPIC} ${WRITE}`].sort());
  });

  it('keeps the last good ACLs when the file is broken, and says so', async () => {
    await grant({ principal: 'User:alice', operation: 'WRITE', resourceType: 'TOPIC', resourceName: 't' });
    const alice = await as('alice');
    await eventually(async () => (await produceError(alice, 't')) === 0);
    const text = readFileSync(aclsFilePath(dir), 'utf8');
    writeFileSync(aclsFilePath(dir), text.slice(0, text.length / 2));
    await eventually(async () => errors.some((e) => /is not valid JSON.*keeping the ACLs read before/.test(e)));
    expect(await produceError(alice, 't')).toBe(0);
  });
});
