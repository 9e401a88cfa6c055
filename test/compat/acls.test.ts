// Real clients against ACLs, on a real `tributary serve` with a loopback PLAINTEXT listener and a SASL_PLAINTEXT one:
// kcat (librdkafka) and kafka-python refused with TOPIC_AUTHORIZATION_FAILED where a user may not write, kafka-python's
// consumer with GroupAuthorizationFailedError where it may not use the group, and kafka-python's KafkaAdminClient
// managing ACLs as the default super user User:admin, and kafkajs's admin client doing the same. ACLs come from `tributary acls` while the broker runs.
import { fileURLToPath } from 'node:url';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { KCAT, PYTHON_KAFKA, requireTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { assertOk, runTool } from '../helpers/run-tool.js';

const kcatAvailable = requireTools(KCAT);
const pythonAvailable = requireTools(PYTHON_KAFKA);

let broker: BrokerProcess;
let sasl: string;

const cli = async (...args: string[]) => assertOk(await runCli([...args, '--data-dir', broker.dataDir]), args.join(' '));
/** The broker looks at DATA/acls.json once a second; a margin for a busy machine. */
const aclsApplied = () => new Promise((r) => setTimeout(r, 2500));

beforeAll(async () => {
  broker = await startBroker({ args: ['--listeners', 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0'] });
  const line = await broker.waitForLine(/kafka listener on 127\.0\.0\.1:\d+ \(SASL_PLAINTEXT/);
  sasl = `127.0.0.1:${/:(\d+) \(SASL_PLAINTEXT/.exec(line)![1]}`;
  for (const user of ['reader', 'nobody', 'admin']) {
    const r = await runCli(['users', 'add', user, '--iterations', '4096', '--data-dir', broker.dataDir], { input: `${user}-password\n` });
    assertOk(r, `users add ${user}`);
  }
  // reader may describe and read the topics, not write them, and use no group.
  await cli('acls', 'add', '--principal', 'User:reader', '--operation', 'Read', '--operation', 'Describe', '--topic', 'locked');
  // The topic exists (created by the loopback workstation user, who may do anything).
  assertOk(await runCli(['topics', 'create', 'locked', '--bootstrap', broker.bootstrap]), 'topics create');
  await aclsApplied();
}, 90_000);
afterAll(async () => {
  await stopAllBrokers();
});

describe.skipIf(!kcatAvailable)('kcat / librdkafka with ACLs', () => {
  const as = (user: string) => ['-b', sasl, '-m', '15', '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', `sasl.username=${user}`, '-X', `sasl.password=${user}-password`];

  it('reports Topic authorization failed producing to a topic the user may not write', async () => {
    const r = await runTool('kcat', [...as('reader'), '-P', '-t', 'locked'], { input: 'not allowed\n', timeoutMs: 60_000 });
    expect(`${r.stdout}\n${r.stderr}`).toMatch(/Topic authorization failed/i);
    await broker.waitForLine(/authorization refused: User:reader from 127\.0\.0\.1 may not WRITE TOPIC "locked"/);
  }, 90_000);
});

describe.skipIf(!pythonAvailable)('kafka-python with ACLs', () => {
  const script = fileURLToPath(new URL('./python/acls.py', import.meta.url));
  const python = async (...args: string[]) => {
    const r = assertOk(await runTool(PYTHON_KAFKA.command, [script, ...args], { timeoutMs: 90_000 }), 'acls.py');
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it('raises TopicAuthorizationFailedError producing without WRITE, and succeeds once it is granted', async () => {
    expect(await python('produce', sasl, 'reader', 'reader-password', 'locked')).toMatchObject({ error: 'TopicAuthorizationFailedError' });
    await cli('acls', 'add', '--principal', 'User:reader', '--operation', 'Write', '--topic', 'locked');
    await aclsApplied();
    expect(await python('produce', sasl, 'reader', 'reader-password', 'locked')).toEqual({ ok: true });
    await cli('acls', 'remove', '--principal', 'User:reader', '--operation', 'Write', '--topic', 'locked');
  }, 120_000);

  it('raises GroupAuthorizationFailedError for a consumer whose user may not read the group', async () => {
    expect(await python('group', sasl, 'reader', 'reader-password', 'locked', 'readers')).toMatchObject({ error: 'GroupAuthorizationFailedError' });
  }, 120_000);

  it('creates, describes and deletes ACLs with KafkaAdminClient as the default super user User:admin, not as an ordinary user', async () => {
    const out = await python('admin', sasl, 'admin', 'admin-password');
    expect(out).toEqual({
      created: 2,
      createFailed: [],
      described: { error: null, acls: ['User:dave ALLOW READ GROUP LITERAL dashboards', 'User:dave ALLOW READ TOPIC PREFIXED metrics-'] },
      deleted: [[null, 1]],
      after: { error: null, acls: ['User:dave ALLOW READ TOPIC PREFIXED metrics-'] },
    });
    // In DATA/acls.json, where `tributary acls list` reads it.
    expect((await cli('acls', 'list', '--principal', 'User:dave')).stdout).toMatch(/User:dave\s+ALLOW\s+READ\s+TOPIC\s+metrics-\s+PREFIXED/);
    // kafka-python raises the DescribeAcls refusal (after the refused creations, which it only reports).
    const refused = await python('admin', sasl, 'nobody', 'nobody-password');
    expect(refused).toMatchObject({ error: 'ClusterAuthorizationFailedError', message: expect.stringMatching(/User:nobody may not describe ACLs/) });
    expect((await cli('acls', 'list', '--principal', 'User:dave')).stdout.trim().split('\n')).toHaveLength(2); // the header and the one ACL
  }, 120_000);
});

describe('kafkajs admin with ACLs', () => {
  const admin = (user: string) =>
    new Kafka({ clientId: 'compat-kafkajs-acls', brokers: [sasl], sasl: { mechanism: 'scram-sha-256', username: user, password: `${user}-password` }, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  const erin = { principal: 'User:erin', host: '*', permissionType: AclPermissionTypes.ALLOW };

  it('creates, describes and deletes ACLs as User:admin; an ordinary user is refused with CLUSTER_AUTHORIZATION_FAILED', async () => {
    const a = admin('admin');
    await a.connect();
    try {
      await a.createAcls({
        acl: [
          { ...erin, operation: AclOperationTypes.WRITE, resourceType: AclResourceTypes.TOPIC, resourceName: 'erin-', resourcePatternType: ResourcePatternTypes.PREFIXED },
          { ...erin, operation: AclOperationTypes.READ, resourceType: AclResourceTypes.GROUP, resourceName: 'erin-group', resourcePatternType: ResourcePatternTypes.LITERAL },
        ],
      });
      const filter = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal: 'User:erin', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
      const described = await a.describeAcls(filter);
      expect(described.resources.map((r) => `${r.resourceType} ${r.resourcePatternType} ${r.resourceName} ${r.acls.map((x) => x.operation).join(',')}`).sort()).toEqual([
        `${AclResourceTypes.GROUP} ${ResourcePatternTypes.LITERAL} erin-group ${AclOperationTypes.READ}`,
        `${AclResourceTypes.TOPIC} ${ResourcePatternTypes.PREFIXED} erin- ${AclOperationTypes.WRITE}`,
      ].sort());
      const deleted = await a.deleteAcls({ filters: [filter] });
      expect(deleted.filterResponses[0]!.matchingAcls).toHaveLength(2);
      expect((await a.describeAcls(filter)).resources).toEqual([]);
    } finally {
      await a.disconnect();
    }
    const n = admin('nobody');
    await n.connect();
    try {
      await expect(
        n.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }),
      ).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    } finally {
      await n.disconnect();
    }
  }, 60_000);
});
