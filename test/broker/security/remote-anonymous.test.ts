// An unauthenticated client from another machine, through the real Connection, handlers and authorizer (a fake
// transport supplies the remote address, which a test on one machine cannot get from a socket): it sees and may do
// only what ACLs grant User:ANONYMOUS, while the same requests from a loopback address may do everything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newClientInfo } from '../../../src/broker/client-info.js';
import { Connection } from '../../../src/broker/connection.js';
import { buildApiTable } from '../../../src/broker/handlers/index.js';
import { DEFAULT_LIMITS } from '../../../src/broker/limits.js';
import { MemoryPool } from '../../../src/broker/memory-pool.js';
import { AclStore } from '../../../src/broker/security/acl-store.js';
import { writeAcls } from '../../../src/broker/security/acls-file.js';
import { Authorizer } from '../../../src/broker/security/authorizer.js';
import type { BrokerServices } from '../../../src/broker/services.js';
import { BrokerStats } from '../../../src/broker/stats.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { Decoded, MessageDef } from '../../../src/protocol/schema.js';
import { DescribeAclsRequest, DescribeAclsResponse } from '../../../src/protocol/schemas/describe-acls.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/schemas/metadata.js';
import type { TopicInfo } from '../../../src/storage/index.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { decodeResponse, encodeRequest } from '../../helpers/wire-client.js';

let dir: string;
let store: AclStore;
let authorizer: Authorizer;

const topics = ['public-a', 'public-b', 'secret'].map((name) => ({ name, partitions: 1 }) as TopicInfo);

function services(): BrokerServices {
  return {
    logs: { partition: () => undefined, getTopic: (n: string) => topics.find((t) => t.name === n), listTopics: () => topics, allocateProducerId: () => 1 },
    topics: {} as BrokerServices['topics'],
    coordinator: {} as BrokerServices['coordinator'],
    offsets: {} as BrokerServices['offsets'],
    stats: new BrokerStats(),
    limits: DEFAULT_LIMITS,
    identity: { nodeId: 1, clusterId: 'c', advertised: () => ({ host: 'h', port: 9 }), apiVersions: () => [] },
    authorizer,
    logger: silentLogger,
  };
}

/** One request from `address`, answered through a real Connection. */
async function ask<Res extends MessageDef>(address: string, frame: Buffer, res: Res, version: number): Promise<Decoded<Res>> {
  const t = new FakeTransport(address);
  const deps = { services: services(), apis: buildApiTable(), requestMemory: new MemoryPool(1 << 20), fetchMemory: new MemoryPool(1 << 20), onClosed: () => {} };
  new Connection(t, deps, newClientInfo(1, t.remoteAddress, t.remotePort));
  t.feed(frame);
  for (let i = 0; i < 50 && t.frames.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  return decodeResponse(res, version, t.frames[0]!).body;
}
const allTopics = (address: string) => ask(address, encodeRequest(MetadataRequest, 9, { topics: null }, 1), MetadataResponse, 9);
const describeAcls = (address: string) =>
  ask(
    address,
    encodeRequest(DescribeAclsRequest, 1, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }, 1),
    DescribeAclsResponse,
    1,
  );

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-remote-anon-'));
  writeAcls(join(dir, 'acls.json'), [
    { principal: 'User:ANONYMOUS', operation: 'DESCRIBE', resourceType: 'TOPIC', resourceName: 'public-', patternType: 'PREFIXED', host: '*', permission: 'ALLOW' },
  ]);
  store = await AclStore.open(join(dir, 'acls.json'), silentLogger, 60_000);
  authorizer = new Authorizer(store, ['User:admin'], silentLogger);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an unauthenticated client', () => {
  it.each(['10.20.30.40', '::ffff:192.168.1.9', '2001:db8::7'])('from %s sees only the topics User:ANONYMOUS may describe, and may not read ACLs', async (address) => {
    expect((await allTopics(address)).topics.map((t) => t.name)).toEqual(['public-a', 'public-b']);
    expect((await describeAcls(address)).errorCode).toBe(31);
  });

  it.each(['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1'])('from loopback %s may do everything', async (address) => {
    expect((await allTopics(address)).topics.map((t) => t.name)).toEqual(['public-a', 'public-b', 'secret']);
    expect((await describeAcls(address)).errorCode).toBe(0);
  });
});
