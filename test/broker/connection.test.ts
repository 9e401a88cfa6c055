// A broker Connection driven through a fake transport: bytes in, response frames out, no socket. Covers the framing
// state machine (frames split anywhere, several per chunk), pipelining order, and what closes a connection.
import { describe, expect, it } from 'vitest';
import { defineApi, type ApiHandler } from '../../src/broker/api.js';
import type { ClientInfo } from '../../src/broker/client-info.js';
import { Connection } from '../../src/broker/connection.js';
import { buildApiTable } from '../../src/broker/handlers/index.js';
import { DEFAULT_LIMITS, type BrokerLimits } from '../../src/broker/limits.js';
import type { BrokerServices } from '../../src/broker/services.js';
import { BrokerStats } from '../../src/broker/stats.js';
import { silentLogger } from '../../src/common/logger.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/schemas/api-versions.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../src/protocol/schemas/heartbeat.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { FakeTransport } from '../helpers/fake-transport.js';
import { decodeResponse, encodeRequest } from '../helpers/wire-client.js';

function clientInfo(t: FakeTransport): ClientInfo {
  return { id: 1, remoteAddress: t.remoteAddress, remotePort: t.remotePort, clientId: null, softwareName: null, softwareVersion: null, connectedAt: 0, requests: 0, bytesIn: 0, bytesOut: 0 };
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
    logger: silentLogger,
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function connect(apis: Map<number, ApiHandler> = buildApiTable(), limits: Partial<BrokerLimits> = {}): { t: FakeTransport; closed: () => boolean } {
  const t = new FakeTransport();
  let closed = false;
  new Connection(t, { services: services(limits), apis, onClosed: () => (closed = true) }, clientInfo(t));
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
