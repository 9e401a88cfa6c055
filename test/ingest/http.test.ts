import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersOf, startIngestBroker, type IngestBroker } from './helpers.js';

const TOKEN = 's3cret-token';
let b: IngestBroker;
let base: string;
const auth = { Authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  b = await startIngestBroker({ http: { listen: '127.0.0.1:0', token: TOKEN, maxBodyBytes: 4096, maxLineBytes: 1024, logsTopic: 'logs', metricsTopic: 'metrics' } });
  base = `http://127.0.0.1:${b.listener('http ingest').port}`;
});
afterAll(async () => {
  await b?.stop();
});

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { ...auth, ...headers } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Raw node:http, streaming the body in chunks without Content-Length: the server must answer without the length. */
function postChunked(path: string, chunks: Buffer[], headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers: { ...auth, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    (async () => {
      for (const c of chunks) {
        if (!req.write(c)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(reject);
  });
}

describe('POST /ingest/{topic}: logs', () => {
  it('text/plain: one record per line (CRLF and blank lines handled), receive time, host header', async () => {
    const before = Date.now();
    const r = await post('/ingest/app-text', 'first line\r\n\nsecond  line with  spaces\nthird', { 'Content-Type': 'text/plain; charset=utf-8' });
    expect(r).toMatchObject({ status: 200, body: { topic: 'app-text', records: 3 } });
    const rs = await b.records('app-text');
    expect(rs.map((x) => x.value!.toString())).toEqual(['first line', 'second  line with  spaces', 'third']);
    for (const x of rs) {
      expect(headersOf(x)).toEqual({ host: '127.0.0.1' }); // no level stated, none guessed
      expect(x.key).toBeNull();
      expect(x.timestamp).toBeGreaterThanOrEqual(before);
    }
    const named = await post('/ingest/app-text?host=web-7', 'x\n2024-01-01 12:00:00 WARN disk almost full');
    expect(named.status).toBe(200);
    expect((await b.records('app-text')).slice(3).map(headersOf)).toEqual([{ host: 'web-7' }, { host: 'web-7', level: 'WARN' }]);
  });

  it('POST /ingest without a topic goes to logsTopic', async () => {
    expect(await post('/ingest', 'to the default topic')).toMatchObject({ status: 200, body: { topic: 'logs', records: 1 } });
    expect((await b.records('logs')).map((x) => x.value!.toString())).toEqual(['to the default topic']);
  });

  it('NDJSON: each line kept as sent; timestamp and level from the usual fields', async () => {
    const lines = [
      '{"@timestamp":"2024-01-02T03:04:05.678Z","level":"warn","msg":"disk  low"}',
      '{"time":1704164645,"level":50,"msg":"pino error"}',
      '{"ts":1704164645123,"severity":"INFO"}',
      '{"msg":"no time","log":{"level":"debug"}}',
    ];
    const before = Date.now();
    const r = await post('/ingest/app-json', `${lines.join('\n')}\n`, { 'Content-Type': 'application/x-ndjson' });
    expect(r).toMatchObject({ status: 200, body: { records: 4 } });
    const rs = await b.records('app-json');
    expect(rs.map((x) => x.value!.toString())).toEqual(lines);
    expect(rs.slice(0, 3).map((x) => x.timestamp)).toEqual([Date.UTC(2024, 0, 2, 3, 4, 5, 678), 1704164645000, 1704164645123]);
    expect(rs[3]!.timestamp).toBeGreaterThanOrEqual(before);
    expect(rs.map((x) => headersOf(x).level)).toEqual(['WARN', 'ERROR', 'INFO', 'DEBUG']);
  });

  it('rejects a bad NDJSON body with the line number and writes nothing of it', async () => {
    const r = await post('/ingest/app-atomic', '{"ok":1}\n\n{"broken": \n{"ok":2}', { 'Content-Type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^line 3: invalid JSON: .* \(send one JSON object per line\)$/);
    const arr = await post('/ingest/app-atomic', '{"ok":1}\n[1,2]', { 'Content-Type': 'application/json' });
    expect(arr).toMatchObject({ status: 400, body: { error: 'line 2: expected a JSON object, got an array' } });
    expect(b.broker.logs.getTopic('app-atomic')).toBeUndefined();
  });

  it('accepts gzip, and enforces the size limit on the decompressed bytes', async () => {
    const text = Array.from({ length: 50 }, (_, i) => `gz line ${i}`).join('\n');
    expect(await post('/ingest/app-gzip', gzipSync(text), { 'Content-Encoding': 'gzip' })).toMatchObject({ status: 200, body: { records: 50 } });
    expect((await b.records('app-gzip')).map((x) => x.value!.toString())).toEqual(text.split('\n'));
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 'a')); // ~1 KB compressed, 1 MiB inflated
    expect(bomb.length).toBeLessThan(4096);
    const r = await post('/ingest/app-gzip', bomb, { 'Content-Encoding': 'gzip' });
    expect(r).toMatchObject({ status: 413, body: { error: 'request body after gzip decompression exceeds maxBodyBytes (4096 bytes); send smaller requests' } });
    const corrupt = await post('/ingest/app-gzip', Buffer.from('definitely not gzip'), { 'Content-Encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.error).toMatch(/^the body is not valid gzip: /);
    expect((await post('/ingest/app-gzip', 'x', { 'Content-Encoding': 'br' })).status).toBe(415);
    expect((await b.records('app-gzip')).length).toBe(50);
  });

  it('answers 413 over maxBodyBytes, with or without Content-Length', async () => {
    const big = 'y'.repeat(5000);
    expect(await post('/ingest/app-big', big)).toMatchObject({ status: 413, body: { error: 'request body of 5000 bytes exceeds maxBodyBytes (4096 bytes); send smaller requests' } });
    const chunked = await postChunked('/ingest/app-big', Array.from({ length: 40 }, () => Buffer.alloc(1024, 'z')), { 'Content-Type': 'text/plain' });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error).toMatch(/exceeds maxBodyBytes \(4096 bytes\)/);
    expect(b.broker.logs.getTopic('app-big')).toBeUndefined();
    expect(await post('/ingest/app-big', 'fits')).toMatchObject({ status: 200 }); // the server is fine afterwards
  });

  it('answers 413 naming the line that exceeds maxLineBytes, in every format, and stores nothing of that body', async () => {
    const long = 'é'.repeat(513); // 1,026 bytes in UTF-8, 513 characters: the limit counts bytes
    const cases: [string, string, Record<string, string>][] = [
      ['/ingest/app-lines', `ok\n\n${long}\n`, { 'Content-Type': 'text/plain' }],
      ['/ingest/app-lines', `{"a":1}\n\n{"m":"${long}"}\n`, { 'Content-Type': 'application/x-ndjson' }],
      ['/write', `m v=1\n\nm s="${long}"\n`, {}],
      ['/ingest/metrics?format=json', `{"name":"m","fields":{"v":1}}\n\n{"name":"m","fields":{"s":"${long}"}}`, {}],
      ['/ingest/metrics?format=prometheus', `m 1\n\nm{a="${long}"} 1\n`, {}],
    ];
    for (const [path, body, headers] of cases) {
      const r = await post(path, body, headers);
      expect(r.status, path).toBe(413);
      expect(r.body.error ?? r.body.message, path).toMatch(/^line 3: \d+ bytes exceeds maxLineBytes \(1024\); split it into shorter lines or raise ingest\.http\.maxLineBytes$/);
    }
    expect(b.broker.logs.getTopic('app-lines')).toBeUndefined();
    expect(await post('/ingest/app-lines', 'x'.repeat(1024))).toMatchObject({ status: 200 }); // exactly the limit fits
  });

  it('refuses JSON nested deeper than 100 levels with 400 (deep nesting makes JSON.parse super-linear)', async () => {
    const deep = `{"a":${'['.repeat(101)}${']'.repeat(101)}}`;
    const r = await post('/ingest/app-deep', `{"ok":1}\n${deep}`, { 'Content-Type': 'application/x-ndjson' });
    expect(r).toMatchObject({ status: 400, body: { error: 'line 2: JSON nested deeper than 100 levels is not accepted (send one JSON object per line)' } });
    const fine = `{"a":${'['.repeat(99)}${']'.repeat(99)},"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}`;
    expect(await post('/ingest/app-deep', fine, { 'Content-Type': 'application/x-ndjson' })).toMatchObject({ status: 200 });
  });

  it('answers 401 without the right token; accepts Bearer, Token and Basic', async () => {
    const noAuth = await fetch(`${base}/ingest/app-auth`, { method: 'POST', body: 'x' });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toBe('Bearer realm="tributary"');
    const how = 'send Authorization: Bearer <token> (or Token <token>, or Basic auth with the token as the password); the token is ingest.http.token in the server config';
    expect(await noAuth.json()).toEqual({ error: `this listener needs a token: ${how}` });
    expect(await post('/ingest/app-auth', 'x', { Authorization: 'Bearer wrong' })).toMatchObject({ status: 401, body: { error: `wrong token: ${how}` } });
    expect(await post('/ingest/app-auth', 'x', { Authorization: 'Digest abc' })).toMatchObject({ status: 401, body: { error: `the Authorization header carries no token this listener reads: ${how}` } });
    expect((await post('/ingest/app-auth', 'x', { Authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post('/write', 'm v=1', { Authorization: `Token wrong` })).status).toBe(401);
    expect((await post('/ingest/app-auth', 'a', { Authorization: `Token ${TOKEN}` })).status).toBe(200);
    expect((await post('/ingest/app-auth', 'b', { Authorization: `Basic ${Buffer.from(`telegraf:${TOKEN}`).toString('base64')}` })).status).toBe(200);
    expect((await b.records('app-auth')).map((x) => x.value!.toString())).toEqual(['a', 'b']);
  });

  it('answers 404, 405 and 415 clearly', async () => {
    const nf = await post('/nope', 'x');
    expect(nf).toMatchObject({ status: 404, body: { error: expect.stringMatching(/^no endpoint \/nope; endpoints: POST \/ingest\/\{topic\}/) } });
    const get = await fetch(`${base}/write`, { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toEqual({ error: 'GET is not allowed on /write; use POST' });
    expect((await post('/ingest/app-x', 'x', { 'Content-Type': 'image/png' })).status).toBe(415);
    expect((await post('/ingest/bad%20name', 'x')).status).toBe(400);
    expect((await fetch(`${base}/ping`)).status).toBe(204);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ name: 'tributary', status: 'pass' });
  });
});

describe('InfluxDB writes', () => {
  const metricsSince = async (n: number) => (await b.records('metrics')).slice(n);
  const count = async () => (await b.records('metrics')).length;

  it('POST /write (v1): 204, canonical lines with ns timestamps, key = series, db header', async () => {
    const n = await count();
    const body = 'cpu,host=b,cpu=cpu0 usage_user=1.5,usage_idle=98i 1700000000\n# comment\n\nmem,host=b free=123u,ok=t,note="a \\"quoted\\" \\\\ path" 1700000001\n';
    const r = await post('/write?db=telegraf&precision=s', body);
    expect(r.status).toBe(204);
    const rs = await metricsSince(n);
    expect(rs.map((x) => x.value!.toString())).toEqual([
      'cpu,cpu=cpu0,host=b usage_user=1.5,usage_idle=98i 1700000000000000000',
      'mem,host=b free=123u,ok=true,note="a \\"quoted\\" \\\\ path" 1700000001000000000',
    ]);
    expect(rs.map((x) => x.key!.toString())).toEqual(['cpu,cpu=cpu0,host=b', 'mem,host=b']);
    expect(rs.map((x) => x.timestamp)).toEqual([1700000000000, 1700000001000]);
    expect(headersOf(rs[0]!)).toEqual({ host: '127.0.0.1', db: 'telegraf', format: 'influx' });
  });

  it('POST /api/v2/write: precisions, escapes, receive time for lines without one', async () => {
    const n = await count();
    const before = Date.now();
    expect((await post('/api/v2/write?bucket=b1&org=o1&precision=ms', 'my\\ meas,tag\\,k=v\\=1 f\\ 1=-1e3 1700000000123\nnots v=1', { Authorization: `Token ${TOKEN}` })).status).toBe(204);
    expect((await post('/api/v2/write?precision=us', 'm v=1i 1700000000123456')).status).toBe(204);
    expect((await post('/api/v2/write', 'm v=2i 1700000000123456789')).status).toBe(204);
    const rs = await metricsSince(n);
    expect(rs[0]!.value!.toString()).toBe('my\\ meas,tag\\,k=v\\=1 f\\ 1=-1000 1700000000123000000');
    expect(rs[1]!.value!.toString()).toMatch(/^nots v=1 \d{19}$/);
    expect(rs[1]!.timestamp).toBeGreaterThanOrEqual(before);
    expect(rs.slice(2).map((x) => x.value!.toString())).toEqual(['m v=1i 1700000000123456000', 'm v=2i 1700000000123456789']);
    expect(headersOf(rs[0]!)).toEqual({ host: '127.0.0.1', bucket: 'b1', org: 'o1', format: 'influx' });
  });

  it('rejects the whole batch on the first bad line, with its number; v2 answers {code, message}', async () => {
    const n = await count();
    const v1 = await post('/write', 'good v=1\ngood v=2\nbad v=abc\nworse');
    expect(v1).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^line 3: invalid field value "abc" for field 'v': expected a float/) } });
    const v2 = await post('/api/v2/write', 'good v=1\nbad,t= v=1');
    expect(v2).toMatchObject({ status: 400, body: { code: 'invalid', message: "line 2: tag 't' has an empty value", error: "line 2: tag 't' has an empty value" } });
    const cases: [string, RegExp][] = [
      ['m v="unterminated', /^line 1: string value of field 'v' has no closing quote$/],
      ['m v=1 1.5', /^line 1: invalid timestamp "1.5"/],
      ['m v=99999999999999999999i', /^line 1: integer value .* outside the signed 64-bit range$/],
      ['m', /^line 1: measurement "m" has no fields/],
    ];
    for (const [body, error] of cases) expect((await post('/write', body)).body.error).toMatch(error);
    expect((await post('/write?precision=fortnight', 'm v=1')).body.error).toBe("unknown precision 'fortnight'; use ns, us, ms or s (v1 also n, u, m, h)");
    expect(await count()).toBe(n);
  });
});

describe('metric formats into the metrics topic', () => {
  const metricsSince = async (n: number) => (await b.records('metrics')).slice(n);

  it('converts JSON metrics to line protocol', async () => {
    const n = (await b.records('metrics')).length;
    const body = [
      '{"name":"temp","tags":{"room":"kitchen","floor":1},"fields":{"celsius":21.5,"ok":true,"state":"on"},"timestamp":1700000000000}',
      '{"name":"temp","fields":{"celsius":19},"timestamp":"2023-11-14T22:13:20Z"}',
    ].join('\n');
    expect(await post('/ingest/metrics', body, { 'Content-Type': 'application/json' })).toMatchObject({ status: 200, body: { topic: 'metrics', records: 2 } });
    const rs = await metricsSince(n);
    expect(rs.map((x) => x.value!.toString())).toEqual(['temp,floor=1,room=kitchen celsius=21.5,ok=true,state="on" 1700000000000000000', 'temp celsius=19 1700000000000000000']);
    expect(headersOf(rs[0]!)).toEqual({ host: '127.0.0.1', format: 'influx' });
    const bad = await post('/ingest/metrics', '{"name":"x","fields":{}}', { 'Content-Type': 'application/json' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'line 1: "fields" is empty; a metric needs at least one field' } });
  });

  it('converts Prometheus text, leaving NaN/Inf samples out', async () => {
    const n = (await b.records('metrics')).length;
    const body = '# TYPE reqs counter\nreqs{code="200",path="/a\\"b"} 10 1700000000000\nreqs{code="500"} NaN\n# TYPE lat histogram\nlat_bucket{le="+Inf"} 3 1700000000000\n';
    const r = await post('/ingest/metrics', body, { 'Content-Type': 'text/plain; version=0.0.4' });
    expect(r).toMatchObject({ status: 200, body: { records: 2, skippedNonFinite: 1 } });
    const rs = await metricsSince(n);
    expect(rs.map((x) => x.value!.toString())).toEqual(['reqs,code=200,path=/a"b value=10 1700000000000000000', 'lat_bucket,le=+Inf value=3 1700000000000000000']);
    expect(rs.map((x) => headersOf(x).metric_type)).toEqual(['counter', 'histogram']);
    expect((await post('/ingest/metrics', 'ok 1\nbad{ 2', { 'Content-Type': 'text/plain; version=0.0.4' })).body.error).toMatch(/^line 2: /);
  });

  it('validates line protocol posted to /ingest/{metricsTopic}', async () => {
    const n = (await b.records('metrics')).length;
    expect(await post('/ingest/metrics?precision=s', 'x,b=2,a=1 v=1 1700000000')).toMatchObject({ status: 200, body: { records: 1 } });
    expect((await metricsSince(n)).map((x) => x.value!.toString())).toEqual(['x,a=1,b=2 v=1 1700000000000000000']);
    expect((await post('/ingest/metrics', 'not line protocol')).body.error).toMatch(/^line 1: /);
  });
});
