import type { IngestConfig } from '../ingest/config.js';
import type { ListenerInfo } from '../ingest/listener-info.js';
import { formatHostPort } from '../common/host-port.js';
import type { IngestEndpoint } from '../server/services.js';

/** The configured direct-ingest endpoints, with the addresses they are bound to, for the API's settings. */
export function ingestEndpoints(config: IngestConfig, bound: readonly ListenerInfo[]): IngestEndpoint[] {
  const at = (name: ListenerInfo['name']) => {
    const l = bound.find((b) => b.name === name);
    return l ? formatHostPort(l) : null;
  };
  const out: IngestEndpoint[] = [];
  const s = config.syslog;
  if (s?.udp) out.push({ kind: 'syslog udp', address: at('syslog udp'), topics: [s.topic], token: null, tls: false, detail: 'RFC 5424 and RFC 3164 datagrams' });
  if (s?.tcp) out.push({ kind: 'syslog tcp', address: at('syslog tcp'), topics: [s.topic], token: null, tls: false, detail: 'octet-counted or newline-framed messages' });
  if (s?.tls) {
    const who = s.tls.clientCa ? `; client certificate signed by ${s.tls.clientCa} required` : '';
    const cert = s.tls.cert ? `certificate ${s.tls.cert}` : "the Kafka listeners' certificate";
    out.push({ kind: 'syslog tls', address: at('syslog tls'), topics: [s.topic], token: null, tls: true, detail: `RFC 5425: octet-counted or newline-framed messages over TLS 1.2+ (${cert})${who}` });
  }
  const h = config.http;
  if (h) {
    out.push({
      kind: 'http ingest',
      address: at('http ingest'),
      topics: [h.logsTopic, h.metricsTopic],
      token: h.token,
      tls: h.tls !== null,
      detail: `POST /ingest (NDJSON or lines to ${h.logsTopic}), /ingest/TOPIC, Influx /write and /api/v2/write (to ${h.metricsTopic})`,
    });
  }
  const p = config.prometheus;
  if (p && p.targets.length) out.push({ kind: 'prometheus scrape', address: null, topics: [p.topic], token: null, tls: false, detail: p.targets.map((t) => t.url).join(', ') });
  const f = config.files;
  if (f && f.globs.length) out.push({ kind: 'files', address: null, topics: [f.topic], token: null, tls: false, detail: f.globs.join(', ') });
  return out;
}
