// Export streams a whole result set with backpressure: 100k records pass through while the server's heap grows no
// more than for a tenth of them (bounded memory: a block per partition and one piece of output, not the result set).
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../../src/client/index.js';
import { startApp, type TestApp } from '../../server/helpers.js';
import { sleep } from '../../helpers/wait-until.js';

let t: TestApp;
const BIG = 100_000;
const PAD = 'y'.repeat(200);

beforeAll(async () => {
  t = await startApp();
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'exp', partitions: 3, configs: { 'retention.ms': '-1' } } });
  const client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'export-test' });
  try {
    const p = client.producer();
    for (let i = 0; i < BIG; i += 1000) {
      await p.send('exp', Array.from({ length: 1000 }, (_, j) => ({ value: `row ${i + j} ${(i + j) % 10 === 0 ? 'tenth' : 'other'} "quoted", ${PAD}`, partition: (i + j) % 3, headers: [['host', `h${j % 3}`]] as [string, string][] })));
    }
  } finally {
    await client.close();
  }
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

// Live heap, not garbage: a full collection before each sample (the flag can be set at run time).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const liveHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** Streams an export, counting lines and bytes without keeping them; samples the live heap every 2 MB meanwhile. */
async function measure(path: string): Promise<{ lines: number; bytes: number; heapGrowth: number; first: string }> {
  await sleep(50);
  const base = liveHeap();
  let peak = base;
  let nextSample = 0;
  {
    const res = await t.api(path);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let lines = 0;
    let bytes = 0;
    let first = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (const b of value) if (b === 10) lines++;
      if (first.length < 400) first += Buffer.from(value.subarray(0, 400)).toString();
      if (bytes >= nextSample) {
        peak = Math.max(peak, liveHeap());
        nextSample = bytes + 2 * 1024 * 1024;
      }
    }
    return { lines, bytes, heapGrowth: peak - base, first };
  }
}

describe('export', () => {
  it('streams 100k records as NDJSON in bounded memory (compared with an export of 10k)', async () => {
    const small = await measure('/api/v1/search/export?q=tenth&topics=exp&format=ndjson');
    const big = await measure('/api/v1/search/export?topics=exp&format=ndjson');
    console.log(`export live heap growth: 10k ${(small.heapGrowth / 1048576).toFixed(1)} MiB, 100k ${(big.heapGrowth / 1048576).toFixed(1)} MiB of ${(big.bytes / 1048576).toFixed(1)} MiB output`);
    expect(small.lines).toBe(BIG / 10);
    expect(big.lines).toBe(BIG);
    expect(big.bytes).toBeGreaterThan(small.bytes * 9);
    // Ten times the output, not ten times the memory: the result set is never held (it is ~30 MB here).
    expect(big.heapGrowth).toBeLessThan(Math.max(3 * small.heapGrowth, 8 * 1024 * 1024));
    expect(big.heapGrowth).toBeLessThan(big.bytes / 4);
    const rec = JSON.parse(big.first.split('\n')[0]!);
    expect(rec).toMatchObject({ topic: 'exp', value: expect.stringMatching(/^row 99\d{3} /), headers: [{ key: 'host', value: expect.any(String) }] });
  }, 120_000);

  it('writes CSV with a header row and quoted fields', async () => {
    const res = await t.api('/api/v1/search/export?q=%22row%2042%22&topics=exp&format=csv&order=oldest');
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="search.csv"/);
    const rows = (await res.text()).split('\r\n');
    expect(rows[0]).toBe('time,topic,partition,offset,timestamp,key,value,headers');
    expect(rows[1]).toMatch(/^\d{4}-\d\d-\d\dT[^,]+,exp,0,14,\d+,,"row 42 other ""quoted"", y+","\{""host"":""h0""\}"$/);
    expect(rows.filter((r) => r.length > 0)).toHaveLength(2);
  });
});
