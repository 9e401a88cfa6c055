// The typed client of Tributary's HTTP API (docs/openapi.json). Same-origin: `tributary serve` serves this page, and
// the cookie set by opening the URL it prints authenticates every fetch and WebSocket; the UI never sees the token.
import { connection } from './connection.svelte';
import type { Connection, ConnectionSettings, ConnectionTest } from './connection-types.js';

export type { Connection, ConnectionSecurityView, ConnectionSettings, ConnectionTest, FollowedPartition, SaslMechanism, SecurityProtocol } from './connection-types.js';

export interface Rates {
  recordsInPerSec: number;
  bytesInPerSec: number;
  recordsOutPerSec: number;
  bytesOutPerSec: number;
}
export interface Listener {
  name: string;
  host: string;
  port: number;
}
export interface Overview {
  version: string;
  startedAt: number;
  uptimeMs: number;
  rates: Rates;
  /** The server's time of the sample the rates end at: the point's timestamp in the rate history. */
  ratesAt: number;
  totals: { recordsIn: number; bytesIn: number; recordsOut: number; bytesOut: number };
  clients: { connected: number };
  listeners: Listener[];
  disk: { totalBytes: number; topics: { name: string; bytes: number }[] };
  /** The server's event loop over the last 5 s: how late it ran timers, and how busy it was (0–1). */
  eventLoop?: { delayP50Ms: number; delayP99Ms: number; delayMaxMs: number; utilization: number; windowMs: number };
  /** The metrics store (null when it is off). */
  metrics?: MetricsSummary | null;
}
/** The metrics store as the overview sums it up: series against the cap, what it refused or could not read, its size. */
export interface MetricsSummary {
  series: number;
  maxSeries: number;
  seriesRefused: number;
  /** Measurements at 80 % or more of their cap. */
  nearCap: string[];
  badLines: number;
  lagRecords: number;
  bytesOnDisk: number;
  memoryBytes?: number;
}
/** GET /api/v1/overview/history: the last 5 minutes of broker-wide rates, one point a second, in columns. */
export interface OverviewHistory {
  timestamps: number[];
  recordsInPerSec: number[];
  recordsOutPerSec: number[];
  bytesInPerSec: number[];
  bytesOutPerSec: number[];
}
export interface IngestEndpoint {
  kind: string;
  address: string | null;
  topics: string[];
  token: string | null;
  /** Senders connect with TLS. */
  tls: boolean;
  detail: string;
}
/** How Kafka clients connect and log in (GET /api/v1/settings `security`). */
export interface SecuritySettings {
  listeners: { protocol: string; address: string; advertised: string; tls: boolean; sasl: boolean }[];
  caFile: string | null;
  clientAuth: 'none' | 'requested' | 'required';
  agent: { user: string; password: string | null; passwordFile: string | null } | null;
  connect: { bootstrap: string; mechanism: string; kcat: string; kafkaPython: string; agent: string } | null;
}
export interface ServerSettings {
  dataDir: string;
  topicDefaults: Record<string, string>;
  listeners: Listener[];
  ingest: IngestEndpoint[];
  security: SecuritySettings;
}
export interface PartitionInfo {
  partition: number;
  startOffset: number;
  endOffset: number;
  size: number;
  segments: number;
}
export interface Topic {
  name: string;
  id: string;
  size: number;
  records: number;
  rates: { recordsInPerSec: number; bytesInPerSec: number };
  configs: Record<string, string>;
  partitions: PartitionInfo[];
}
export interface TopicConfig {
  name: string;
  value: string;
  source: 'TOPIC' | 'BROKER' | 'DEFAULT';
  isDefault: boolean;
  documentation: string;
}
export type ValueFormat = 'text' | 'json' | 'hex' | 'base64';
export interface Rec {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  headers: { key: string; value: string | null }[];
  value: string | null;
  valueFormat: ValueFormat;
  size: number;
  valueSize: number;
  truncated: boolean;
}
export interface BrowsePage {
  topic: string;
  direction: 'forward' | 'backward';
  records: Rec[];
  cursor: string | null;
  atEnd: boolean;
}
export interface Source {
  id: number;
  clientId: string | null;
  address: string;
  port: number;
  software: string | null;
  agent: string | null;
  host: string | null;
  connected: boolean;
  connectedAt: number;
  disconnectedAt: number | null;
  lastSeenAt: number;
  requests: number;
  recordsProduced: number;
  bytesProduced: number;
  recordsPerSec: number;
}
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';
export interface GroupSummary {
  id: string;
  state: GroupState;
  protocolType: string | null;
  members: number;
  totalLag: number;
}
export interface GroupDetail {
  id: string;
  state: GroupState;
  protocolType: string | null;
  protocol: string | null;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string }[];
  partitions: { topic: string; partition: number; committedOffset: number | null; endOffset: number; lag: number | null; memberId: string | null; clientId: string | null; host: string | null }[];
  totalLag: number;
}
export interface ResetPlan {
  group: string;
  dryRun: boolean;
  partitions: { topic: string; partition: number; previousOffset: number | null; newOffset: number }[];
}
export interface SearchStats {
  partitions: number;
  segmentsScanned: number;
  segmentsSkipped: number;
  blocksScanned: number;
  unindexedRangesScanned: number;
  blocksSkippedByTime: number;
  blocksSkippedByIndex: number;
  bytesScanned: number;
  bytesSkipped: number;
  batchesSkippedByBytes: number;
  batchesUnreadable: number;
  recordsDecoded: number;
  recordsMatched: number;
  elapsedMs: number;
}
export const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'] as const;
export type Level = (typeof LEVELS)[number];
export interface Histogram {
  from: number;
  to: number;
  step: number;
  times: number[];
  counts: number[];
  levels: Record<Level, number[]>;
  total: number;
  stats: SearchStats;
}
export interface Facets {
  field: string;
  values: { value: string; count: number }[];
  matchesScanned: number;
  withField: number;
  other: number;
  complete: boolean;
}
export interface SearchParams {
  q: string;
  topics?: string;
  from?: string;
  to?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '') as [string, string | number | boolean][];
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not our JSON error shape
  }
  return new ApiError(res.status, code, message);
}

/** fetch against the API; reports reachability and auth to `connection`, throws ApiError for non-2xx. */
export async function request(method: string, path: string, opts: { body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      signal: opts.signal,
      credentials: 'same-origin',
      headers: opts.body === undefined ? undefined : { 'content-type': 'application/json' },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    connection.report('unreachable');
    throw new ApiError(0, 'UNREACHABLE', `cannot reach the Tributary API at ${location.host}: is \`tributary serve\` running?`);
  }
  if (res.status === 401) {
    connection.report('unauthorized');
    throw await errorOf(res);
  }
  connection.report('ok');
  if (!res.ok) throw await errorOf(res);
  return res;
}

async function json<T>(method: string, path: string, opts: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const res = await request(method, path, opts);
  return (await res.json()) as T;
}

const enc = encodeURIComponent;

export interface KafkaUser {
  name: string;
  mechanisms: string[];
  iterations: number;
}

export type FlowTarget =
  | { kind: 'topic'; topic: string; reshape?: { fields: string[]; from: 'json' | 'logfmt' } }
  | { kind: 'remote'; connection: string; topic: string }
  | { kind: 'file'; path: string; maxBytes?: number; keep?: number }
  | { kind: 'http'; url: string; batchRecords?: number; headers?: Record<string, string>; deadLetterTopic: string; attempts?: number };

/** A flow: a local topic copied continuously to a derived topic, a remote cluster, a file or an HTTP endpoint. */
export interface Flow {
  name: string;
  source: { topic: string; query?: string };
  target: FlowTarget;
  origin: 'config' | 'api';
  state: 'starting' | 'running' | 'retrying' | 'stopped';
  partitions: { partition: number; position: number; end: number; lag: number }[];
  lag: number;
  recordsOut: number;
  errors: number;
  retries: number;
  deadLettered: number;
  skipped: number;
  lastError: string | null;
}

export interface RemoteTopic {
  name: string;
  internal: boolean;
  partitions: number;
  records: number;
}
export interface RemoteTopicDetail {
  name: string;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[]; startOffset: number; endOffset: number }[];
  configs: { name: string; value: string | null; isDefault: boolean }[];
}
export interface RemoteRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  headers: { key: string; value: string | null }[];
  value: string | null;
  size: number;
}
export interface RemoteGroup {
  groupId: string;
  protocolType: string;
  state: string;
  members: number;
}
export interface RemoteGroupDetail {
  groupId: string;
  state: string;
  members: { memberId: string; clientId: string; host: string }[];
  partitions: { topic: string; partition: number; currentOffset: number | null; logEndOffset: number | null; lag: number | null; consumerId: string | null }[];
}

export interface Acl {
  principal: string;
  resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
  resourceName: string;
  patternType: 'LITERAL' | 'PREFIXED';
  host: string;
  operation: string;
  permission: 'ALLOW' | 'DENY';
}

export const api = {
  acls: () => json<{ acls: Acl[]; superUsers: string[] }>('GET', '/api/v1/acls'),
  addAcls: (body: Omit<Acl, 'operation'> & { operations: string[] }) => json<{ added: number }>('POST', '/api/v1/acls', { body }),
  deleteAcl: (a: Acl) => request('DELETE', `/api/v1/acls${qs({ ...a })}`).then(() => undefined),
  connections: (signal?: AbortSignal) => json<Connection[]>('GET', '/api/v1/connections', { signal }),
  putConnection: (name: string, body: ConnectionSettings) => json<Connection>('PUT', `/api/v1/connections/${enc(name)}`, { body }),
  testConnection: (body: ConnectionSettings & { name?: string }) => json<ConnectionTest>('POST', '/api/v1/connections/test', { body }),
  flows: (signal?: AbortSignal) => json<Flow[]>('GET', '/api/v1/flows', { signal }),
  putFlow: (name: string, body: { source: { topic: string; query?: string }; target: FlowTarget }) => json<Flow>('PUT', `/api/v1/flows/${enc(name)}`, { body }),
  deleteFlow: (name: string) => request('DELETE', `/api/v1/flows/${enc(name)}`).then(() => undefined),
  deleteConnection: (name: string) => request('DELETE', `/api/v1/connections/${enc(name)}`).then(() => undefined),
  remoteTopics: (name: string) => json<{ topics: RemoteTopic[]; total: number }>('GET', `/api/v1/connections/${enc(name)}/topics`),
  remoteTopic: (name: string, topic: string) => json<RemoteTopicDetail>('GET', `/api/v1/connections/${enc(name)}/topics/${enc(topic)}`),
  remoteRecords: (name: string, topic: string, p: { partition?: number; offset?: number; limit?: number } = {}) =>
    json<{ records: RemoteRecord[] }>('GET', `/api/v1/connections/${enc(name)}/topics/${enc(topic)}/messages${qs(p)}`).then((r) => r.records),
  remoteProduce: (name: string, topic: string, body: { key?: string | null; value: string | null }) => json<{ produced: number }>('POST', `/api/v1/connections/${enc(name)}/topics/${enc(topic)}/messages`, { body }),
  remoteGroups: (name: string) => json<{ groups: RemoteGroup[] }>('GET', `/api/v1/connections/${enc(name)}/groups`).then((r) => r.groups),
  remoteGroup: (name: string, id: string) => json<RemoteGroupDetail>('GET', `/api/v1/connections/${enc(name)}/groups/${enc(id)}`),
  remoteReset: (name: string, id: string, body: { topic: string; to: 'earliest' | 'latest' | 'offset' | 'timestamp'; offset?: number; timestamp?: string; dryRun: boolean }) =>
    json<{ partitions: { topic: string; partition: number; from: number | null; to: number }[] }>('POST', `/api/v1/connections/${enc(name)}/groups/${enc(id)}/reset-offsets`, { body }),
  users: () => json<KafkaUser[]>('GET', '/api/v1/users'),
  /** Without a password the server generates one and returns it, this once. */
  addUser: (body: { name: string; password?: string; mechanisms?: string[] }) => json<{ name: string; mechanisms: string[]; password?: string }>('POST', '/api/v1/users', { body }),
  resetPassword: (name: string, password?: string) =>
    json<{ name: string; mechanisms: string[]; password?: string }>('PUT', `/api/v1/users/${enc(name)}/password`, { body: password === undefined ? {} : { password } }),
  /** Streams the file as the request body: the server reads it line by line. */
  importCapture: async (topic: string, file: Blob, partitions: 'keep' | 'key') => {
    let res: Response;
    try {
      res = await fetch(`/api/v1/topics/${enc(topic)}/import${qs({ partitions })}`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/x-ndjson' }, body: file });
    } catch {
      throw new ApiError(0, 'UNREACHABLE', `cannot reach the Tributary API at ${location.host}`);
    }
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as { topic: string; imported: number };
  },
  deleteUser: (name: string) => request('DELETE', `/api/v1/users/${enc(name)}`).then(() => undefined),
  settings: () => json<ServerSettings>('GET', '/api/v1/settings'),
  overview: (signal?: AbortSignal) => json<Overview>('GET', '/api/v1/overview', { signal }),
  overviewHistory: (signal?: AbortSignal) => json<OverviewHistory>('GET', '/api/v1/overview/history', { signal }),
  topics: (signal?: AbortSignal) => json<{ topics: Topic[] }>('GET', '/api/v1/topics', { signal }).then((r) => r.topics),
  topic: (name: string, signal?: AbortSignal) => json<Topic>('GET', `/api/v1/topics/${enc(name)}`, { signal }),
  createTopic: (body: { name: string; partitions?: number; configs?: Record<string, string>; validateOnly?: boolean }) => json<Topic>('POST', '/api/v1/topics', { body }),
  deleteTopic: (name: string) => json<{ name: string; deleted: boolean }>('DELETE', `/api/v1/topics/${enc(name)}`),
  topicConfigs: (name: string) => json<{ name: string; configs: TopicConfig[] }>('GET', `/api/v1/topics/${enc(name)}/configs`).then((r) => r.configs),
  alterConfigs: (name: string, configs: Record<string, string | null>, validateOnly = false) =>
    json<{ name: string; configs: TopicConfig[] }>('PATCH', `/api/v1/topics/${enc(name)}/configs`, { body: { configs, validateOnly } }).then((r) => r.configs),
  browse: (
    topic: string,
    p: { seek?: string; offset?: number; timestamp?: string; partition?: number; direction?: string; limit?: number; cursor?: string; format?: ValueFormat; maxValueBytes?: number },
    signal?: AbortSignal,
  ) => json<BrowsePage>('GET', `/api/v1/topics/${enc(topic)}/messages${qs(p)}`, { signal }),
  /** The browser's result set from its seek point, streamed as a download (the page's cookie authenticates it). */
  browseExportUrl: (topic: string, p: { seek?: string; offset?: number; timestamp?: string; partition?: number; direction?: string; format: 'ndjson' | 'csv'; max?: number; stopBefore?: number; stopAfter?: number }) =>
    `/api/v1/topics/${enc(topic)}/messages/export${qs(p)}`,
  record: (topic: string, partition: number, offset: number, format: ValueFormat = 'text', signal?: AbortSignal) =>
    json<Rec>('GET', `/api/v1/topics/${enc(topic)}/messages/${partition}/${offset}${qs({ format })}`, { signal }),
  context: (topic: string, partition: number, offset: number, n = 10) =>
    json<{ records: Rec[]; index: number }>('GET', `/api/v1/topics/${enc(topic)}/messages/${partition}/${offset}/context${qs({ n })}`),
  produce: (topic: string, body: { value: string | null; key?: string | null; headers?: Record<string, string>; partition?: number; encoding?: 'text' | 'base64' }) =>
    json<{ topic: string; partition: number; offset: number; timestamp: number }>('POST', `/api/v1/topics/${enc(topic)}/messages`, { body }),
  groups: () => json<{ groups: GroupSummary[] }>('GET', '/api/v1/groups').then((r) => r.groups),
  group: (id: string, signal?: AbortSignal) => json<GroupDetail>('GET', `/api/v1/groups/${enc(id)}`, { signal }),
  resetOffsets: (id: string, body: { to: 'earliest' | 'latest' | 'offset' | 'timestamp'; offset?: number; timestamp?: string; topic?: string; dryRun: boolean }) =>
    json<ResetPlan>('POST', `/api/v1/groups/${enc(id)}/reset-offsets`, { body }),
  sources: (signal?: AbortSignal) => json<{ sources: Source[] }>('GET', '/api/v1/sources', { signal }).then((r) => r.sources),
  histogram: (p: SearchParams & { step?: string }, signal?: AbortSignal) => json<Histogram>('GET', `/api/v1/search/histogram${qs({ ...p })}`, { signal }),
  facets: (p: SearchParams & { field: string; top?: number; maxMatches?: number }, signal?: AbortSignal) => json<Facets>('GET', `/api/v1/search/facets${qs({ ...p })}`, { signal }),
  exportUrl: (p: SearchParams & { format: 'ndjson' | 'csv'; order?: string }) => `/api/v1/search/export${qs({ ...p })}`,
  searchPage: (p: SearchParams & { limit?: number; cursor?: string; order?: 'newest' | 'oldest' }, signal?: AbortSignal) =>
    json<{ records: Rec[]; cursor: string | null; stats: SearchStats }>('GET', `/api/v1/search${qs({ ...p })}`, { signal }),
};

export type StreamEvent =
  | { type: 'record'; record: Rec }
  | { type: 'progress'; stats: SearchStats }
  | { type: 'done'; cursor: string | null; stats: SearchStats }
  | { type: 'error'; error: { code: string; message: string } };

/**
 * A search page streamed as NDJSON (`stream=true`): records as they are found and progress every 250 ms.
 * Abort the signal to cancel the scan (the server stops when the connection closes).
 */
export async function searchStream(
  p: SearchParams & { limit?: number; cursor?: string; order?: 'newest' | 'oldest' },
  onEvent: (e: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await request('GET', `/api/v1/search${qs({ ...p, stream: true })}`, { signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += value;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line) onEvent(JSON.parse(line) as StreamEvent);
    }
  }
  if (buf.trim()) onEvent(JSON.parse(buf) as StreamEvent);
}
