import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headersOf, startIngestBroker } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-ingest-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ingest.files: the broker tails local files with the agent tailer', () => {
  it('writes lines with path/host headers and levels, and continues after a restart from its checkpoint', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, '2024-01-02T03:04:05Z ERROR first failure\nplain second line\n');
    const ingest = { files: { globs: [join(dir, '*.log')], topic: 'local-files', startAt: 'beginning' } };
    let b = await startIngestBroker(ingest);
    const dataDir = b.broker.config.dataDir;
    try {
      const rs = await b.waitForRecords('local-files', 2);
      expect(rs.map((r) => r.value!.toString())).toEqual(['2024-01-02T03:04:05Z ERROR first failure', 'plain second line']);
      expect(rs[0]!.key!.toString()).toBe(file);
      expect(headersOf(rs[0]!)).toMatchObject({ path: file, host: hostname(), level: 'ERROR' });
      expect(rs[0]!.timestamp).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
      appendFileSync(file, '{"level":"warn","msg":"json line"}\n');
      const more = await b.waitForRecords('local-files', 3);
      expect(headersOf(more[2]!).level).toBe('WARN');
      expect(b.ingest!.stats().files).toMatchObject({ files: 1, records: 3, failed: 0 });
    } finally {
      await b.shutdown();
    }
    appendFileSync(file, 'written while the broker was down\n');
    b = await startIngestBroker(ingest, { dataDir });
    try {
      const rs = await b.waitForRecords('local-files', 4);
      await new Promise((r) => setTimeout(r, 300)); // nothing is read twice: still 4 records a moment later
      expect((await b.records('local-files')).map((r) => r.value!.toString())).toEqual([
        '2024-01-02T03:04:05Z ERROR first failure',
        'plain second line',
        '{"level":"warn","msg":"json line"}',
        'written while the broker was down',
      ]);
      expect(rs).toHaveLength(4);
    } finally {
      await b.stop();
    }
  });
});
