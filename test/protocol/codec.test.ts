import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readHeaderPrefix } from '../../src/protocol/header.js';
import { Reader, DecodeError } from '../../src/protocol/reader.js';
import { codecFor, isFlexible } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/schemas/api-versions.js';
import { MetadataResponse, MetadataRequest } from '../../src/protocol/schemas/metadata.js';
import { ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { FetchRequest } from '../../src/protocol/schemas/fetch.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decodeFrame(frame: Buffer) {
  const r = new Reader(frame, 4, 4 + frame.readInt32BE(0));
  const header = readHeaderPrefix(r);
  if (isFlexible(ApiVersionsRequest, header.apiVersion)) r.taggedFields();
  const body = codecFor(ApiVersionsRequest, header.apiVersion).decode(r);
  return { header, body, left: r.remaining };
}

describe('golden request bytes captured from real clients', () => {
  it('decodes librdkafka 2.0.2 ApiVersions v3 (flexible header v2, compact strings)', () => {
    const { header, body, left } = decodeFrame(fixture('kcat-apiversions-v3-request.bin'));
    expect(header).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka' });
    expect(body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    expect(left).toBe(0);
  });

  it('decodes kafka-python 2.0.2 ApiVersions v0 (classic header v1)', () => {
    const { header, body, left } = decodeFrame(fixture('kafka-python-first-request.bin'));
    expect(header).toMatchObject({ apiKey: 18, apiVersion: 0, clientId: 'kafka-python-producer-1' });
    expect(body).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
    expect(left).toBe(0);
  });
});

describe('golden response bytes (hand-assembled from the protocol spec)', () => {
  it('ApiVersions v0 error answer', () => {
    const w = new Writer();
    codecFor(ApiVersionsResponse, 0).encode(w, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] });
    expect(w.toBuffer()).toEqual(hex('0023 00000001 0012 0000 0003'));
  });

  it('ApiVersions v3 uses compact arrays and tagged fields', () => {
    const w = new Writer();
    codecFor(ApiVersionsResponse, 3).encode(w, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 9 }] });
    expect(w.toBuffer()).toEqual(hex('0000 02 0000 0003 0009 00 00000000 00'));
  });

  it('Metadata v9 (flexible) byte for byte', () => {
    const w = new Writer();
    codecFor(MetadataResponse, 9).encode(w, {
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }],
      clusterId: 'c',
      controllerId: 1,
      topics: [{ errorCode: 0, name: 't', isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
    });
    expect(w.toBuffer()).toEqual(
      hex(`00000000 02 00000001 0268 00002384 00 00 0263 00000001
           02 0000 0274 00 02 0000 00000000 00000001 00000000 0200000001 0200000001 01 00 80000000 00
           80000000 00`),
    );
  });

  it('Metadata v0 omits fields added later', () => {
    const w = new Writer();
    codecFor(MetadataResponse, 0).encode(w, { brokers: [{ nodeId: 1, host: 'h', port: 1 }], topics: [] });
    expect(w.toBuffer()).toEqual(hex('00000001 00000001 0001 68 00000001 00000000'));
  });

  it('Produce v3 response', () => {
    const w = new Writer();
    codecFor(ProduceResponse, 3).encode(w, { responses: [{ name: 't', partitionResponses: [{ index: 2, errorCode: 0, baseOffset: 42 }] }] });
    expect(w.toBuffer()).toEqual(hex('00000001 0001 74 00000001 00000002 0000 000000000000002a ffffffffffffffff 00000000'));
  });
});

describe('schema interpreter', () => {
  it('round-trips Fetch v12 including a tagged field and fills defaults for absent versions', () => {
    const req = {
      clusterId: 'abc', replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1000, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 7, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 100 }] }],
      forgottenTopicsData: [], rackId: '',
    };
    const w = new Writer();
    codecFor(FetchRequest, 12).encode(w, req as never);
    const decoded = codecFor(FetchRequest, 12).decode(new Reader(w.toBuffer()));
    expect(decoded).toEqual(req);
    const w4 = new Writer();
    codecFor(FetchRequest, 4).encode(w4, req as never);
    const d4 = codecFor(FetchRequest, 4).decode(new Reader(w4.toBuffer()));
    expect(d4.sessionEpoch).toBe(-1);
    expect(d4.clusterId).toBeNull();
    expect(d4.topics[0]!.partitions[0]!.fetchOffset).toBe(7);
  });

  it('treats null topics as "all" only where nullable', () => {
    const w = new Writer();
    w.int32(-1).bool(true);
    expect(codecFor(MetadataRequest, 4).decode(new Reader(w.toBuffer())).topics).toBeNull();
    expect(() => codecFor(MetadataRequest, 0).decode(new Reader(hex('ffffffff')))).toThrow(DecodeError);
  });

  it('rejects absurd array lengths instead of allocating them', () => {
    expect(() => codecFor(MetadataRequest, 1).decode(new Reader(hex('7fffffff')))).toThrow(/exceeds/);
  });

  it('passes large record chunks by reference', () => {
    const big = Buffer.alloc(4096, 1);
    const w = new Writer();
    w.int32(1).chunked([big, big], false);
    const chunks = w.finish();
    expect(chunks.some((c) => c === big)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(4 + 4 + 8192);
  });
});
