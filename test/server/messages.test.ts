// Browsing and producing messages through the API: seek (newest, oldest, offset, timestamp), both directions,
// cursors, one partition or all merged by time, formats, truncation, one record, context, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
const T0 = Date.UTC(2026, 0, 1);
const N = 60;

interface Rec { topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null; valueFormat: string; headers: { key: string; value: string | null }[]; truncated: boolean; size: number; valueSize: number }
interface Page { records: Rec[]; cursor: string | null; atEnd: boolean; direction: string }

const index = (r: Rec) => JSON.parse(r.value!).i as number;

/** Every page from `first`, following cursors (bounded). */
async function allPages(first: string, max = 100): Promise<{ records: Rec[]; pages: number }> {
  const records: Rec[] = [];
  let page: Page = await t.call(first, 200);
  let pages = 1;
  records.push(...page.records);
  while (page.cursor && !(page.direction === 'forward' && page.atEnd) && pages < max) {
    page = await t.call(`${first.split('?')[0]}?cursor=${page.cursor}&limit=${new URL(first, 'http://x').searchParams.get('limit') ?? 100}`, 200);
    records.push(...page.records);
    pages++;
  }
  return { records, pages };
}

beforeAll(async () => {
  t = await startApp();
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'm', partitions: 3 } });
  // Record i: partition i % 3, timestamp T0 + i s, so time order and round-robin partitions interleave.
  for (let i = 0; i < N; i++) {
    const r = await t.call('/api/v1/topics/m/messages', 201, { method: 'POST', json: { partition: i % 3, key: `k${i}`, value: JSON.stringify({ i }), timestamp: T0 + i * 1000, headers: { n: String(i) } } });
    expect(r).toEqual({ topic: 'm', partition: i % 3, offset: Math.floor(i / 3), timestamp: T0 + i * 1000 });
  }
});
afterAll(async () => {
  await t?.stop();
});

describe('browsing a topic', () => {
  it('starts at the newest, backward, merged by time over every partition, and pages back to the oldest', async () => {
    const first: Page = await t.call('/api/v1/topics/m/messages?limit=7', 200);
    expect(first.direction).toBe('backward');
    expect(first.records.map(index)).toEqual([59, 58, 57, 56, 55, 54, 53]);
    expect(first.records[0]).toMatchObject({ topic: 'm', partition: 59 % 3, offset: 19, key: 'k59', timestamp: T0 + 59_000, headers: [{ key: 'n', value: '59' }], truncated: false, valueFormat: 'text' });
    const { records, pages } = await allPages('/api/v1/topics/m/messages?limit=7');
    expect(records.map(index)).toEqual(Array.from({ length: N }, (_, i) => N - 1 - i));
    expect(pages).toBe(Math.ceil(N / 7));
  });

  it('reads forward from the oldest, and from an offset or a time in every partition', async () => {
    expect((await allPages('/api/v1/topics/m/messages?seek=oldest&limit=8')).records.map(index)).toEqual(Array.from({ length: N }, (_, i) => i));
    const fromOffset: Page = await t.call('/api/v1/topics/m/messages?seek=offset&offset=5&limit=4', 200);
    expect(fromOffset.records.map(index)).toEqual([15, 16, 17, 18]);
    const fromTime: Page = await t.call(`/api/v1/topics/m/messages?seek=timestamp&timestamp=${new Date(T0 + 30_000).toISOString()}&limit=3`, 200);
    expect(fromTime.records.map(index)).toEqual([30, 31, 32]);
    const backFromTime: Page = await t.call(`/api/v1/topics/m/messages?seek=timestamp&timestamp=${T0 + 30_500}&direction=backward&limit=3`, 200);
    expect(backFromTime.records.map(index)).toEqual([30, 29, 28]);
    const backFromOffset: Page = await t.call('/api/v1/topics/m/messages?seek=offset&offset=5&direction=backward&partition=2&limit=100', 200);
    expect(backFromOffset.records.map(index)).toEqual([17, 14, 11, 8, 5, 2]);
    expect(backFromOffset.cursor).toBeNull();
    // Forward from the newest: nothing yet, but a cursor to poll with.
    const tail: Page = await t.call('/api/v1/topics/m/messages?seek=newest&direction=forward', 200);
    expect(tail.records).toEqual([]);
    expect(tail.atEnd).toBe(true);
    await t.call('/api/v1/topics/m/messages', 201, { method: 'POST', json: { partition: 0, value: JSON.stringify({ i: 60 }), timestamp: T0 + 60_000 } });
    const polled: Page = await t.call(`/api/v1/topics/m/messages?cursor=${tail.cursor}`, 200);
    expect(polled.records.map(index)).toEqual([60]);
  });

  it('browses one partition in offset order', async () => {
    const p1: Page = await t.call('/api/v1/topics/m/messages?partition=1&seek=oldest&limit=5', 200);
    expect(p1.records.map((r) => [r.partition, r.offset, index(r)])).toEqual([[1, 0, 1], [1, 1, 4], [1, 2, 7], [1, 3, 10], [1, 4, 13]]);
  });

  it('renders values as text, pretty JSON, hex or base64', async () => {
    const one = (format: string) => t.call(`/api/v1/topics/m/messages/0/0?format=${format}`, 200) as Promise<Rec>;
    expect(await one('text')).toMatchObject({ value: '{"i":0}', valueFormat: 'text', key: 'k0' });
    expect(await one('json')).toMatchObject({ value: '{\n  "i": 0\n}', valueFormat: 'json' });
    expect(await one('hex')).toMatchObject({ value: Buffer.from('{"i":0}').toString('hex'), valueFormat: 'hex', key: Buffer.from('k0').toString('hex') });
    expect(await one('base64')).toMatchObject({ value: Buffer.from('{"i":0}').toString('base64'), valueFormat: 'base64' });
  });

  it('truncates large values in pages and returns them whole one at a time', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'big', partitions: 1, configs: { 'max.message.bytes': 2000000 } } });
    const value = 'é'.repeat(60_000) + 'tail'; // 120,004 bytes of UTF-8
    await t.call('/api/v1/topics/big/messages', 201, { method: 'POST', json: { value } });
    const page: Page = await t.call('/api/v1/topics/big/messages', 200);
    const r = page.records[0]!;
    expect(r).toMatchObject({ truncated: true, valueSize: Buffer.byteLength(value) });
    expect(Buffer.byteLength(r.value!)).toBeLessThanOrEqual(64 * 1024);
    expect(value.startsWith(r.value!)).toBe(true); // cut between characters, not inside one
    const small: Page = await t.call('/api/v1/topics/big/messages?maxValueBytes=10', 200);
    expect(small.records[0]!.value).toBe('ééééé');
    const full: Rec = await t.call('/api/v1/topics/big/messages/0/0', 200);
    expect(full).toMatchObject({ value, truncated: false });
  });

  it('gives a record with its context in the partition', async () => {
    const c = await t.call('/api/v1/topics/m/messages/0/10/context?n=3', 200);
    expect(c.index).toBe(3);
    expect(c.records.map((r: Rec) => r.offset)).toEqual([7, 8, 9, 10, 11, 12, 13]);
    const edge = await t.call('/api/v1/topics/m/messages/0/1/context?n=3', 200);
    expect(edge.records.map((r: Rec) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(edge.index).toBe(1);
  });

  it("exports the browser's result set as NDJSON or CSV: every record from the seek point, in the browse's order", async () => {
    const lines = async (path: string) => {
      const res = await t.api(path);
      expect(res.status).toBe(200);
      return { type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), text: await res.text() };
    };
    // Newest first over every partition, merged by time: all 60, more than one page of the browse would be if paged by 7.
    const all = await lines('/api/v1/topics/m/messages/export');
    expect(all.type).toMatch(/application\/x-ndjson/);
    expect(all.disposition).toMatch(/attachment; filename="m\.ndjson"/);
    const recs = all.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    // The same records as paging through the browser (earlier tests added a few beyond the N of the set-up).
    const paged = await allPages('/api/v1/topics/m/messages?limit=7');
    expect(recs.map((r) => `${r.partition}:${r.offset}`)).toEqual(paged.records.map((r) => `${r.partition}:${r.offset}`));
    const setUp = recs.filter((r) => r.key !== null && /^k\d+$/.test(r.key));
    expect(setUp.map((r) => JSON.parse(r.value).i)).toEqual(Array.from({ length: N }, (_, i) => N - 1 - i));
    expect(setUp[0]).toEqual({ topic: 'm', partition: 59 % 3, offset: 19, timestamp: T0 + 59_000, key: 'k59', headers: [{ key: 'n', value: '59' }], value: '{"i":59}' });
    // One partition, forward from an offset, at most 3.
    const some = await lines('/api/v1/topics/m/messages/export?partition=1&seek=offset&offset=4&max=3');
    expect(some.text.trimEnd().split('\n').map((l) => JSON.parse(l).offset)).toEqual([4, 5, 6]);
    // CSV from a time, forward to the end: the header, then records 50..59 (values quoted: they hold quotes).
    const csv = await lines(`/api/v1/topics/m/messages/export?format=csv&seek=timestamp&timestamp=${T0 + 50_000}`);
    expect(csv.type).toMatch(/text\/csv/);
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe('time,topic,partition,offset,timestamp,key,value,headers');
    const setUpRows = rows.filter((r) => /,k\d+,/.test(r));
    expect(setUpRows.length).toBe(10);
    expect(setUpRows[0]).toBe(`${new Date(T0 + 50_000).toISOString()},m,${50 % 3},16,${T0 + 50_000},k50,"{""i"":50}","{""n"":""50""}"`);
    // A time range's edge ends it, as it ends the view's list: forward from 10 s to before 20 s, backward to 50 s.
    const forward = await lines(`/api/v1/topics/m/messages/export?seek=timestamp&timestamp=${T0 + 10_000}&stopAfter=${T0 + 20_000}`);
    expect(forward.text.trimEnd().split('\n').map((l) => JSON.parse(JSON.parse(l).value).i)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const backward = await lines(`/api/v1/topics/m/messages/export?seek=timestamp&timestamp=${T0 + 54_000}&direction=backward&stopBefore=${T0 + 50_000}`);
    expect(backward.text.trimEnd().split('\n').map((l) => JSON.parse(JSON.parse(l).value).i)).toEqual([54, 53, 52, 51, 50]);
    // Bad input is an error before any byte of the stream.
    expect((await t.call('/api/v1/topics/nope/messages/export', 404)).error.message).toMatch(/topic nope does not exist/);
    expect((await t.call('/api/v1/topics/m/messages/export?partition=7', 404)).error.message).toMatch(/no partition 7/);
    expect((await t.call('/api/v1/topics/m/messages/export?format=xml', 400)).error.message).toMatch(/format/);
    expect((await t.call('/api/v1/topics/m/messages/export?seek=offset', 400)).error.message).toMatch(/seek=offset needs offset/);
  });

  it('answers bad input with 400 or 404 and a message', async () => {
    const err = async (path: string, status: number, init: RequestInit & { json?: unknown } = {}) => (await t.call(path, status, init)).error.message as string;
    expect(await err('/api/v1/topics/m/messages?limit=1001', 400)).toMatch(/limit must be <= 1000/);
    expect(await err('/api/v1/topics/m/messages?seek=offset', 400)).toMatch(/seek=offset needs offset/);
    expect(await err('/api/v1/topics/m/messages?seek=timestamp&timestamp=yesterday-ish', 400)).toMatch(/is not a time/);
    expect(await err('/api/v1/topics/m/messages?seek=sideways', 400)).toMatch(/seek must be equal to one of the allowed values/);
    expect(await err('/api/v1/topics/m/messages?cursor=garbage', 400)).toMatch(/invalid cursor/);
    expect(await err('/api/v1/topics/m/messages?format=xml', 400)).toMatch(/format/);
    expect(await err('/api/v1/topics/m/messages?partition=9', 404)).toMatch(/topic m has no partition 9/);
    expect(await err('/api/v1/topics/m/messages/0/999', 404)).toMatch(/m-0 has no record at offset 999 \(it holds 0 to 20\)/);
    expect(await err('/api/v1/topics/m/messages/0/-1', 400)).toMatch(/offset must be >= 0/);
    const other: Page = await t.call('/api/v1/topics/big/messages?seek=oldest', 200);
    expect(await err(`/api/v1/topics/m/messages?cursor=${other.cursor}`, 400)).toMatch(/belongs to topic big/);
    expect(await err('/api/v1/topics/m/messages', 400, { method: 'POST', json: { key: 'no value' } })).toMatch(/must have required property 'value'/);
    expect(await err('/api/v1/topics/m/messages', 404, { method: 'POST', json: { value: 'x', partition: 3 } })).toMatch(/topic m has no partition 3/);
    expect(await err('/api/v1/topics/nope/messages', 404, { method: 'POST', json: { value: 'x' } })).toMatch(/topic nope does not exist/);
    expect(await err('/api/v1/topics/big/messages', 413, { method: 'POST', json: { value: 'x'.repeat(2_100_000) } })).toMatch(/exceeds max\.message\.bytes/);
  });

  it('produces binary keys and values given as base64, and keyed records by the key hash', async () => {
    const bin = Buffer.from([0, 1, 2, 250, 255]);
    const r = await t.call('/api/v1/topics/m/messages', 201, { method: 'POST', json: { key: Buffer.from('same').toString('base64'), value: bin.toString('base64'), encoding: 'base64' } });
    const again = await t.call('/api/v1/topics/m/messages', 201, { method: 'POST', json: { key: 'same', value: 'x' } });
    expect(again.partition).toBe(r.partition);
    const back: Rec = await t.call(`/api/v1/topics/m/messages/${r.partition}/${r.offset}?format=hex`, 200);
    expect(back.value).toBe(bin.toString('hex'));
  });
});
