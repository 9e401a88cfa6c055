// `tributary acls` as a user runs it (the built CLI, a real data directory), alone and beside a running broker that
// must apply each change without a restart.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { aclsFilePath, readAcls } from '../../src/broker/security/acls-file.js';
import { scramCredential } from '../../src/broker/security/scram.js';
import { usersFilePath, writeUsers } from '../../src/broker/security/users-file.js';
import { silentLogger } from '../../src/common/logger.js';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { assertBuilt } from '../helpers/broker-process.js';
import { runCli } from '../helpers/run-cli.js';
import { saslLogin } from '../helpers/sasl-client.js';
import { WireClient } from '../helpers/wire-client.js';

let dir: string;
const acls = (...args: string[]) => runCli(['acls', ...args, '--data-dir', dir]);
const lines = (text: string) => text.trim().split('\n').map((l) => l.trim().split(/\s+/));

beforeAll(() => assertBuilt());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-acls-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tributary acls (no broker running)', () => {
  it('lists the default ACLs of a data directory that has none yet, without writing the file', async () => {
    const r = await acls('list');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      ['PRINCIPAL', 'PERMISSION', 'OPERATION', 'RESOURCE', 'NAME', 'PATTERN', 'HOST'],
      ['User:agent', 'ALLOW', 'WRITE', 'TOPIC', '""', 'PREFIXED', '*'],
      ['User:agent', 'ALLOW', 'DESCRIBE', 'TOPIC', '""', 'PREFIXED', '*'],
      ['User:agent', 'ALLOW', 'IDEMPOTENT_WRITE', 'CLUSTER', 'kafka-cluster', 'LITERAL', '*'],
    ]);
    expect(readAcls(aclsFilePath(dir))).toBeNull();
  });

  it('adds with Kafka-like flags (several operations, prefixed, deny, host), lists by resource, removes, owner-readable file', async () => {
    const add = await acls('add', '--principal', 'User:alice', '--operation', 'Write', '--operation', 'describe', '--topic', 'web-', '--resource-pattern-type', 'prefixed');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('2 ACLs added');
    expect((await acls('add', '--principal', 'User:alice', '--operation', 'Read', '--group', 'dash', '--deny', '--host', '10.0.0.9')).code).toBe(0);
    expect((await acls('add', '--principal', 'User:ops', '--operation', 'IdempotentWrite', '--cluster')).code).toBe(0);
    // Adding what is there already changes nothing.
    expect((await acls('add', '--principal', 'User:ops', '--operation', 'IDEMPOTENT_WRITE', '--cluster')).stdout).toContain('0 ACLs added (1 already there)');
    expect(statSync(aclsFilePath(dir)).mode & 0o777).toBe(0o600);
    // What applies to topic web-1: the agent's every-topic ACLs and alice's prefix.
    expect(lines((await acls('list', '--topic', 'web-1')).stdout).slice(1).map((l) => `${l[0]} ${l[2]} ${l[4]}`)).toEqual([
      'User:agent WRITE ""',
      'User:agent DESCRIBE ""',
      'User:alice WRITE web-',
      'User:alice DESCRIBE web-',
    ]);
    expect(lines((await acls('list', '--principal', 'User:alice', '--group', 'dash')).stdout).slice(1)).toEqual([['User:alice', 'DENY', 'READ', 'GROUP', 'dash', 'LITERAL', '10.0.0.9']]);
    const removed = await acls('remove', '--principal', 'User:alice', '--topic', 'web-', '--resource-pattern-type', 'prefixed', '--operation', 'Describe');
    expect(removed.stdout).toContain('1 ACL removed');
    expect(readAcls(aclsFilePath(dir))!.filter((b) => b.principal === 'User:alice').map((b) => `${b.operation} ${b.resourceName}`)).toEqual(['WRITE web-', 'READ dash']);
  });

  it('refuses bad principals, operations that do not apply, two resources and no resource, with exit codes 1 and 2', async () => {
    const noType = await acls('add', '--principal', 'alice', '--operation', 'Read', '--topic', 't');
    expect([noType.code, noType.stderr]).toEqual([1, expect.stringMatching(/must be TYPE:NAME, e\.g\. User:alice/)]);
    const wrongOp = await acls('add', '--principal', 'User:a', '--operation', 'Write', '--group', 'g');
    expect([wrongOp.code, wrongOp.stderr]).toEqual([1, expect.stringMatching(/WRITE does not apply to a GROUP/)]);
    const two = await acls('add', '--principal', 'User:a', '--operation', 'Read', '--group', 'g', '--topic', 't');
    expect([two.code, two.stderr]).toEqual([1, expect.stringMatching(/give one resource/)]);
    const none = await acls('add', '--principal', 'User:a', '--operation', 'Read');
    expect([none.code, none.stderr]).toEqual([1, expect.stringMatching(/name the resource/)]);
    const badOp = await acls('add', '--principal', 'User:a', '--operation', 'Fly', '--topic', 't');
    expect(badOp.code).toBe(2);
    expect(readAcls(aclsFilePath(dir))).toBeNull();
  });
});

describe('tributary acls beside a running broker', () => {
  it('applies an added and a removed ACL to logged-in clients without a restart', async () => {
    writeUsers(usersFilePath(dir), new Map([['alice', { 'SCRAM-SHA-256': await scramCredential('SCRAM-SHA-256', 'pw', 4096) }]]));
    const broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'SASL_PLAINTEXT://127.0.0.1:0' }), silentLogger);
    const c = await WireClient.connect(broker.address().port);
    try {
      expect((await saslLogin(c, 'SCRAM-SHA-256', 'alice', 'pw')).errorCode).toBe(0);
      const produce = async () =>
        (
          await c.send(ProduceRequest, ProduceResponse, 9, {
            transactionalId: null, acks: 1, timeoutMs: 5000,
            topicData: [{ name: 'cli-granted', partitionData: [{ index: 0, records: buildRecordBatch([{ value: Buffer.from('x') }]) }] }],
          })
        ).responses[0]!.partitionResponses[0]!.errorCode;
      const until = async (code: number) => {
        const deadline = Date.now() + 10_000;
        while ((await produce()) !== code) {
          if (Date.now() > deadline) throw new Error(`produce never answered ${code}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      expect(await produce()).toBe(29);
      expect((await acls('add', '--principal', 'User:alice', '--operation', 'Write', '--topic', 'cli-granted')).code).toBe(0);
      await until(0);
      expect((await acls('remove', '--principal', 'User:alice', '--topic', 'cli-granted')).code).toBe(0);
      await until(29);
    } finally {
      c.close();
      await broker.stop();
    }
  }, 60_000);
});
