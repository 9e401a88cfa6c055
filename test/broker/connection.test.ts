// A broker Connection driven through a fake transport: bytes in, response frames out, no socket. Covers the framing
// state machine (frames split anywhere, several per chunk), pipelining order, and what closes a connection.
import { describe, expect, it } from 'vitest';
import { defineApi, type ApiHandler } from '../../src/broker/api.js';
import { newClientInfo, type ClientInfo } from '../../src/broker/client-info.js';
import { Connection } from '../../src/broker/connection.js';
import { buildApiTable } from '../../src/broker/handlers/index.js';
import { DEFAULT_LIMITS, type BrokerLimits } from '../../src/broker/limits.js';
import { MemoryPool } from '../../src/broker/memory-pool.js';
import type { BrokerServices } from '../../src/broker/services.js';
import { BrokerStats } from '../../src/broker/stats.js';
import { silentLogger } from '../../src/common/logger.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/schemas/api-versions.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../src/protocol/schemas/heartbeat.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { FakeTransport } from '../helpers/fake-transport.js';
import { decodeResponse, encodeRequest } from '../helpers/wire-client.js';

function clientInfo(t: FakeTransport): ClientInfo {
  return newClientInfo(1, t.remoteAddress, t.remotePort, 0);
}

/** Services without storage: enough for ApiVersions, Metadata of no topics, and test-defined APIs. */
function services(limits: Partial<BrokerLimits> = {}): BrokerServices {
  return {
    logs: { partition: () => undefined, getTopic: () => undefined, listTopics: () => [], allocateProducerId: () => 1 },
    topics: {} as BrokerServices['topics'],
    coordinator: {} as BrokerServices['coordinator'],
    offsets: {} as BrokerServices['offsets'],
    stats: new BrokerStats(),
    limits: { ...DEFAULT_LIMITS, ...limits },
    identity: { nodeId: 7, clusterId: 'fake-cluster', advertised: () => ({ host: 'fake', port: 9 }), apiVersions: () => [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] },
    authorizer: {} as BrokerServices['authorizer'],
    logger: silentLogger,
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

interface Pools {
  requestMemory: MemoryPool;
  fetchMemory: MemoryPool;
}

function pools(limits: Partial<BrokerLimits> = {}): Pools {
  const l = { ...DEFAULT_LIMITS, ...limits };
  return { requestMemory: new MemoryPool(l.queuedMaxRequestBytes), fetchMemory: new MemoryPool(l.maxFetchMemoryBytes) };
}

function connect(apis: Map<number, ApiHandler> = buildApiTable(), limits: Partial<BrokerLimits> = {}, shared: Pools = pools(limits)): { t: FakeTransport; closed: () => boolean } {
  const t = new FakeTransport();
  let closed = false;
  new Connection(t, { services: services(limits), apis, ...shared, onClosed: () => (closed = true) }, clientInfo(t));
  return { t, closed: () => closed };
}

const tick = () => new Promise((r) => setImmediate(r));
const apiVersions = (id: number) => encodeRequest(ApiVersionsRequest, 3, { clientSoftwareName: 'fake', clientSoftwareVersion: '1' }, id);
const metadata = (id: number) => encodeRequest(MetadataRequest, 9, { topics: [], allowAutoTopicCreation: false }, id);
const correlationIds = (t: FakeTransport) => t.frames.map((f) => f.readInt32BE(0));

describe('Connection over a fake transport', () => {
  it('assembles a frame fed one byte at a time and answers it once, when the last byte arrives', async () => {
    const { t } = connect();
    const frame = apiVersions(41);
    for (let i = 0; i < frame.length - 1; i++) {
      t.feed(frame.subarray(i, i + 1));
      await tick();
    }
    expect(t.frames).toEqual([]);
    t.feed(frame.subarray(frame.length - 1));
    await tick();
    expect(t.frames).toHaveLength(1);
    const res = decodeResponse(ApiVersionsResponse, 3, t.frames[0]!);
    expect(res.correlationId).toBe(41);
    expect(res.body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
  });

  it('answers pipelined requests in request order, across chunk boundaries, even when the first is slow', async () => {
    const gate = deferred();
    const slow = defineApi({
      request: HeartbeatRequest,
      response: HeartbeatResponse,
      async handle() {
        await gate.promise;
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    });
    const apis = buildApiTable();
    apis.set(12, slow as unknown as ApiHandler);
    const { t } = connect(apis);
    const heartbeat = encodeRequest(HeartbeatRequest, 4, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }, 1);
    // Three requests in one stream, cut in the middle of the third frame's size prefix and again inside its body.
    const stream = Buffer.concat([heartbeat, apiVersions(2), metadata(3), apiVersions(4)]);
    const cut1 = heartbeat.length + apiVersions(2).length + 2;
    const cut2 = cut1 + 9;
    t.feed(stream.subarray(0, cut1));
    t.feed(stream.subarray(cut1, cut2));
    t.feed(stream.subarray(cut2));
    await tick();
    expect(t.frames).toEqual([]); // the slow heartbeat holds back every later response
    gate.resolve();
    await tick();
    expect(correlationIds(t)).toEqual([1, 2, 3, 4]);
    const md = decodeResponse(MetadataResponse, 9, t.frames[2]!);
    expect(md.body).toMatchObject({ clusterId: 'fake-cluster', controllerId: 7, brokers: [{ nodeId: 7, host: 'fake', port: 9 }], topics: [] });
  });

  it('stops reading at maxInFlightRequests and resumes once responses leave', async () => {
    const gate = deferred();
    const slow = defineApi({
      request: HeartbeatRequest,
      response: HeartbeatResponse,
      async handle() {
        await gate.promise;
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    });
    const apis = buildApiTable();
    apis.set(12, slow as unknown as ApiHandler);
    const { t } = connect(apis, { maxInFlightRequests: 4 });
    const hb = (id: number) => encodeRequest(HeartbeatRequest, 4, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }, id);
    t.feed(Buffer.concat([hb(1), hb(2), hb(3), hb(4), hb(5), hb(6)]));
    await tick();
    expect(t.readingPaused).toBe(true);
    gate.resolve();
    await tick();
    await tick();
    expect(correlationIds(t)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.readingPaused).toBe(false);
  });

  it('closes on a frame size beyond maxRequestBytes, on an unknown API key, and on a truncated body', async () => {
    const big = connect(buildApiTable(), { maxRequestBytes: 1024 });
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(1025);
    big.t.feed(prefix);
    expect(big.t.closed).toBe(true);
    expect(big.closed()).toBe(true);

    const unknown = connect();
    const frame = apiVersions(5);
    frame.writeInt16BE(9999, 4); // api key
    unknown.t.feed(frame);
    expect(unknown.t.closed).toBe(true);

    const truncated = connect();
    const md = metadata(6);
    const cut = Buffer.from(md.subarray(0, md.length - 3));
    cut.writeInt32BE(cut.length - 4, 0); // a self-consistent frame whose body ends early
    truncated.t.feed(cut);
    expect(truncated.t.closed).toBe(true);
    expect(truncated.t.frames).toEqual([]);
  });
});

describe('Connection flow control', () => {
  it('stops handling a connection\'s requests while its responses are not read (writableNeedDrain), and resumes on drain', async () => {
    const { t } = connect();
    t.autoFlush = false;
    t.highWaterMark = 1; // every unread response byte makes the transport need draining
    t.feed(Buffer.concat(Array.from({ length: 100 }, (_, i) => apiVersions(i + 1))));
    await tick();
    await tick();
    const first = t.frames.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(100);
    expect(t.readingPaused).toBe(true);
    await tick();
    expect(t.frames.length).toBe(first); // nothing more is handled while the client does not read
    for (let i = 0; i < 50 && t.frames.length < 100; i++) {
      t.flushAll();
      await tick();
    }
    expect(correlationIds(t)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('handles no more requests while maxResponseBytesPerConnection of answers wait behind a slow one', async () => {
    const gate = deferred();
    let calls = 0;
    // Heartbeat requests answered with an ~18 KB ApiVersions-shaped body; the first waits for the gate.
    const big = {
      request: HeartbeatRequest,
      response: ApiVersionsResponse,
      async handle(ctx: { header: { correlationId: number } }) {
        calls++;
        if (ctx.header.correlationId === 1) await gate.promise;
        return { errorCode: 0, apiKeys: Array.from({ length: 3000 }, (_, i) => ({ apiKey: i, minVersion: 0, maxVersion: 1 })), throttleTimeMs: 0 };
      },
    } as unknown as ApiHandler;
    const apis = buildApiTable();
    apis.set(12, big);
    const { t } = connect(apis, { maxResponseBytesPerConnection: 64 * 1024 });
    const hb = (id: number) => encodeRequest(HeartbeatRequest, 3, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }, id);
    t.feed(Buffer.concat(Array.from({ length: 100 }, (_, i) => hb(i + 1))));
    for (let i = 0; i < 5; i++) await tick();
    expect(t.frames).toEqual([]);
    expect(calls).toBeLessThan(100); // one event-loop turn's worth, then the held answers stop it
    expect(t.readingPaused).toBe(true);
    gate.resolve();
    for (let i = 0; i < 50 && t.frames.length < 100; i++) await tick();
    expect(correlationIds(t)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('shares queuedMaxRequestBytes between connections: a connection waits, unread, until handled requests free memory', async () => {
    const shared = pools({ queuedMaxRequestBytes: 4096 });
    const a = connect(buildApiTable(), {}, shared);
    const b = connect(buildApiTable(), {}, shared);
    const c = connect(buildApiTable(), {}, shared);
    const bigA = encodeRequest(ApiVersionsRequest, 3, { clientSoftwareName: 'a'.repeat(3000), clientSoftwareVersion: '1' }, 1);
    const bigB = encodeRequest(ApiVersionsRequest, 3, { clientSoftwareName: 'b'.repeat(3000), clientSoftwareVersion: '1' }, 2);
    // Half of each large frame: once its size is known the whole frame is reserved, before its body arrives, so a
    // started frame never waits for memory (the pool overshoots by at most one grant).
    a.t.feed(bigA.subarray(0, 1500));
    b.t.feed(bigB.subarray(0, 1500));
    expect(shared.requestMemory.available).toBeLessThanOrEqual(0);
    c.t.feed(apiVersions(3));
    await tick();
    expect(c.t.frames).toEqual([]);
    expect(c.t.readingPaused).toBe(true);
    a.t.feed(bigA.subarray(1500));
    await tick();
    await tick();
    expect(correlationIds(a.t)).toEqual([1]);
    expect(correlationIds(c.t)).toEqual([3]);
    b.t.close();
    await tick();
    expect(shared.requestMemory.available).toBe(4096);
  });

  it('bounds response memory broker-wide: a reservation waits while another connection\'s unread response holds the pool', async () => {
    const shared = pools({ maxFetchMemoryBytes: 1024 * 1024 });
    const grants: number[] = [];
    const reserving = {
      request: HeartbeatRequest,
      response: HeartbeatResponse,
      async handle(ctx: { memory: { reserve(w: number, d: number): Promise<number> } }) {
        grants.push(await ctx.memory.reserve(1024 * 1024, Date.now() + 150));
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    } as unknown as ApiHandler;
    const apis = buildApiTable();
    apis.set(12, reserving);
    const hb = (id: number) => encodeRequest(HeartbeatRequest, 3, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }, id);
    const a = connect(apis, {}, shared);
    a.t.autoFlush = false; // A's client does not read: its response keeps the reservation
    a.t.feed(hb(1));
    await tick();
    expect(grants).toEqual([1024 * 1024]);
    const b = connect(apis, {}, shared);
    b.t.feed(hb(2));
    await new Promise((r) => setTimeout(r, 300));
    expect(grants).toEqual([1024 * 1024, 0]); // none free within its deadline
    a.t.flushAll();
    expect(shared.fetchMemory.available).toBe(1024 * 1024);
    b.t.feed(hb(3));
    await new Promise((r) => setTimeout(r, 50));
    expect(grants).toEqual([1024 * 1024, 0, 1024 * 1024]);
  });
});

