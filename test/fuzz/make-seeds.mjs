// Writes the committed seed corpus of `npm run fuzz` (test/fuzz/corpus/<target>/): a few small, valid inputs per
// target, built with our own encoders so they stay in step with the code. Run after `npm run build`:
//   node test/fuzz/make-seeds.mjs
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRecordBatch } from '../../dist/src/protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE, BATCH_OFFSET_ATTRIBUTES, BATCH_OFFSET_CRC, computeBatchCrc } from '../../dist/src/protocol/record-batch.js';
import { codecFor, isFlexible } from '../../dist/src/protocol/schema.js';
import * as s from '../../dist/src/protocol/schemas/index.js';
import { Writer } from '../../dist/src/protocol/writer.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CORPUS = join(HERE, 'corpus');

function request(def, version, body) {
  const w = new Writer(64);
  w.int16(def.apiKey).int16(version).int32(1).nullableString('seed');
  if (isFlexible(def, version)) w.uvarint(0);
  codecFor(def, version).encode(w, body);
  return w.toBuffer();
}

const batch = buildRecordBatch([{ key: 'k', value: 'hello', headers: [['h', 'v']], timestamp: 1700000000000 }, { value: null, timestamp: 1700000000001 }], { producerId: 7, producerEpoch: 0, baseSequence: 0 });
const gz = (() => {
  const body = gzipSync(batch.subarray(BATCH_HEADER_SIZE));
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), body]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE(out.readInt16BE(BATCH_OFFSET_ATTRIBUTES) | 1, BATCH_OFFSET_ATTRIBUTES);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), BATCH_OFFSET_CRC);
  return out;
})();
/** A Kafka frame: size prefix, then the bytes. */
function sized(b) {
  const o = Buffer.alloc(4 + b.length);
  o.writeInt32BE(b.length, 0);
  b.copy(o, 4);
  return o;
}
const javaTrace = 'Exception in thread "main" java.lang.IllegalStateException: x\n\tat com.example.App.run(App.java:42)\nCaused by: java.io.IOException: gone\n\t... 2 more\n2024-05-01 12:00:00 INFO next\n';
const pyTrace = 'Traceback (most recent call last):\n  File "app.py", line 1, in <module>\nValueError: boom\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "b.py", line 2\nKeyError: 1\nplain\r\n';

const seeds = {
  'kafka-request': {
    'api-versions-v3': request(s.ApiVersionsRequest, 3, { clientSoftwareName: 'seed', clientSoftwareVersion: '1' }),
    'kcat-api-versions-v3': readFileSync(join(HERE, '../fixtures/kcat-apiversions-v3-request.bin')).subarray(4),
    'metadata-v1': request(s.MetadataRequest, 1, { topics: [{ name: 'logs' }] }),
    'metadata-v9': request(s.MetadataRequest, 9, { topics: [{ name: 'logs' }], allowAutoTopicCreation: true }),
    'produce-v7': request(s.ProduceRequest, 7, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'logs', partitionData: [{ index: 0, records: batch }] }] }),
    'produce-v9': request(s.ProduceRequest, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'logs', partitionData: [{ index: 0, records: batch }] }] }),
    'fetch-v11': request(s.FetchRequest, 11, { replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: 'logs', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '' }),
    'offset-commit-v8': request(s.OffsetCommitRequest, 8, { groupId: 'g', generationIdOrMemberEpoch: 1, memberId: 'm', groupInstanceId: null, topics: [{ name: 'logs', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] }] }),
    'join-group-v5': request(s.JoinGroupRequest, 5, { groupId: 'g', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 4, 108, 111, 103, 115, 0, 0, 0, 0]) }] }),
  },
  'kafka-framing': { 'two-frames': Buffer.concat([Buffer.from([3, 9]), sized(Buffer.from('hello')), sized(Buffer.alloc(0)), sized(Buffer.from('world!'))]) },
  'record-batch': { plain: Buffer.concat([Buffer.from([0]), batch]), gzip: Buffer.concat([Buffer.from([0]), gz]), 'crc-fixed': Buffer.concat([Buffer.from([1]), batch]) },
  'line-protocol': {
    cpu: Buffer.from('cpu,host=a,cpu=total usage_user=12.5,usage_idle=84i,up=t,name="x \\"y\\"" 1700000000000000000'),
    escapes: Buffer.from('my\\ measure\\,ment,tag\\ key=tag\\=value field\\ key="a\\\\b",u=42u -1'),
  },
  'prometheus-text': { 'node-exporter': readFileSync(join(HERE, '../fixtures/ingest/node-exporter.prom')) },
  syslog: {
    mixed: Buffer.concat([Buffer.from([17, 90]), Buffer.from('<165>1 2003-10-11T22:14:15.003Z host app 123 ID47 [ex@32473 iut="3" ev="A\\"p\\]"] msg\n49 <13>May  1 12:00:00 host sshd[42]: Accepted key\n\x00<34>Oct 11 22:14:15 mymachine su: bad\r\n')]),
  },
  'http-body': {
    ndjson: Buffer.from('{"@timestamp":"2024-05-01T12:00:00Z","level":"warn","msg":"x"}\n{"ts":1700000000,"log":{"level":"error"}}\n'),
    metrics: Buffer.from('{"name":"cpu","tags":{"host":"a"},"fields":{"v":1.5,"ok":true},"timestamp":1700000000000}\ncpu,host=a v=1 1700000000000000000\nm{a="b"} 1\n'),
  },
  'tail-lines': { java: Buffer.concat([Buffer.from([40, 120]), Buffer.from(javaTrace)]), python: Buffer.concat([Buffer.from([7, 200]), Buffer.from(pyTrace)]) },
};

rmSync(CORPUS, { recursive: true, force: true });
for (const [target, files] of Object.entries(seeds)) {
  mkdirSync(join(CORPUS, target), { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(CORPUS, target, name), data);
}
console.log(`wrote ${Object.values(seeds).reduce((a, f) => a + Object.keys(f).length, 0)} seeds to ${CORPUS}`);
