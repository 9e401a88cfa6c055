// A hand-made corpus of records of every shape the search meets: plain lines, JSON objects, logfmt, syslog records
// with the headers our syslog ingest writes, agent records with path/level headers, keys, a null value, an empty value,
// non-ASCII text. Each has an id; the semantics tests list, by hand, which ids each query must match.
import type { RecordView } from '../../../src/query/language/index.js';
import { buildRecordBatch } from '../../../src/protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE } from '../../../src/protocol/record-batch.js';
import { decodeRecords } from '../../../src/protocol/record-decoder.js';

/** 2024-06-01T12:00:00Z; record i is stamped BASE + i minutes. */
export const BASE = Date.UTC(2024, 5, 1, 12, 0, 0);

interface Entry {
  id: string;
  topic?: string;
  key?: string;
  value: string | null;
  headers?: [string, string][];
}

const syslogHeaders = (host: string, app: string, severity: string, level: string): [string, string][] => [
  ['host', host],
  ['app', app],
  ['severity', severity],
  ['facility', 'user'],
  ['level', level],
  ['format', 'rfc3164'],
  ['remote', '127.0.0.1'],
];

const ENTRIES: Entry[] = [
  { id: 'p1', value: 'ERROR connection timeout to 10.0.0.5:5432' },
  { id: 'p2', value: 'WARN retrying request to 10.0.0.50 after timeout' },
  { id: 'p3', value: 'INFO user-42 logged in from 192.168.1.7' },
  { id: 'p4', value: 'no error occurred while saving user-420' },
  { id: 'p5', value: 'Errors: 3 timeouts: 2' },
  { id: 'p6', value: 'GET /api/v1/users HTTP/1.1 500 Internal Server Error' },
  { id: 'p7', value: 'java.lang.NullPointerException at com.example.Foo.bar(Foo.java:42)' },
  { id: 'p8', value: 'Out of memory: Kill process 1234 (node)' },
  { id: 'p9', value: 'caféteria opened; naïve résumé' },
  { id: 'p10', value: '日本語のログ エラー発生' },
  { id: 'p11', value: 'CAFÉ closed' },
  { id: 'p12', value: 'foo_bar and foobar' },
  { id: 'j1', value: '{"level":"error","msg":"payment failed","user":{"id":42,"name":"alice"},"amount":12.5}' },
  { id: 'j2', value: '{"level":"info","msg":"payment ok","user":{"id":7,"name":"bob"},"amount":100}' },
  { id: 'j3', value: '{"lvl":50,"msg":"pino error","tags":["db","slow"]}' },
  { id: 'j4', value: '{"log.level":"WARNING","message":"disk 91% full","host":{"name":"db-1"}}' },
  { id: 'j5', value: '{"log":{"level":"debug"},"msg":"cache miss","status":404}' },
  { id: 'j6', value: '{"severity":"CRITICAL","msg":"line1\\nline2","duration":1.5}' },
  { id: 'j7', value: '{"msg":"no level here","items":[{"id":1},{"id":2}]}' },
  { id: 'l1', value: 'ts=2024-06-01T12:00:00Z level=error msg="db query failed" duration=2.5 status=500' },
  { id: 'l2', value: 'level=info msg=started status=200 duration=0.3 user=alice' },
  { id: 'l3', value: 'time="2024-06-01" lvl=warn msg="slow request" path=/api/v1/users status=503' },
  { id: 's1', topic: 'syslog', key: 'web-1', value: '<11>Jun  1 12:00:00 web-1 sshd[99]: Failed password for root', headers: syslogHeaders('web-1', 'sshd', 'err', 'ERROR') },
  { id: 's2', topic: 'syslog', key: 'web-2', value: '<14>Jun  1 12:00:01 web-2 cron[5]: job started', headers: syslogHeaders('web-2', 'cron', 'info', 'INFO') },
  { id: 's3', topic: 'syslog', key: 'web-1', value: '<10>Jun  1 12:00:02 web-1 kernel: panic', headers: syslogHeaders('web-1', 'kernel', 'crit', 'FATAL') },
  { id: 's4', topic: 'syslog', key: 'web-3', value: '<12>Jun  1 12:00:03 web-3 nginx: upstream slow', headers: syslogHeaders('web-3', 'nginx', 'warning', 'WARN') },
  { id: 'a1', key: '/var/log/app.log', value: 'something happened', headers: [['host', 'laptop'], ['agent', 'laptop'], ['path', '/var/log/app.log'], ['level', 'DEBUG']] },
  { id: 'a2', key: '/var/log/app.log', value: 'trace details', headers: [['host', 'laptop'], ['agent', 'laptop'], ['path', '/var/log/app.log'], ['level', 'TRACE']] },
  { id: 'n1', key: 'tombstone-key', value: null, headers: [['host', 'web-1']] },
  { id: 'k1', key: 'order-123', value: 'keyed message' },
  { id: 'e1', value: '' },
  { id: 'h1', value: 'header only', headers: [['x-request-id', 'abc-123'], ['Env', 'prod']] },
];

export interface CorpusRecord {
  id: string;
  view: RecordView;
  /** The record's bytes as stored: the records section of an uncompressed batch holding only it. */
  bytes: Buffer;
}

/** Record i: partition i % 3, offset 100 + i, timestamp BASE + i minutes, topic "app" unless said otherwise. */
export const CORPUS: CorpusRecord[] = ENTRIES.map((e, i) => {
  const batch = buildRecordBatch([{ key: e.key ?? null, value: e.value, headers: e.headers ?? [], timestamp: BASE + i * 60_000 }], { baseOffset: 100 + i });
  const [decoded] = decodeRecords(batch);
  return {
    id: e.id,
    view: { topic: e.topic ?? 'app', partition: i % 3, ...decoded! },
    bytes: batch.subarray(BATCH_HEADER_SIZE),
  };
});

export const ALL_IDS = CORPUS.map((r) => r.id);
