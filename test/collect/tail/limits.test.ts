import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTailer, lastPositions } from '../../../src/collect/tail/index.js';
import { startTailer, tempDir, waitForValues, waitUntil } from './helpers.js';

describe('limits', () => {
  it('turns a 10 MB line into one truncated record with the marker, without buffering it, and reads the next lines intact', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'before\n');
    const MAX = 64 * 1024;
    const c = await startTailer({ globs: [file], checkpointFile: path.join(dir, 'cp.json'), maxRecordBytes: MAX, readChunkBytes: 256 * 1024 });
    await waitForValues(c, 1);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
    // Written in pieces, so the test itself never holds 10 MB either.
    const LINE = 10 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 'z');
    const fd = fs.openSync(file, 'a');
    for (let done = 0; done < LINE; done += piece.length) fs.writeSync(fd, piece);
    fs.writeSync(fd, '\nafter 1\nafter 2\n');
    fs.closeSync(fd);
    await waitForValues(c, 4, 'the long line and the two after it', 20_000);
    clearInterval(sampler);
    const long = String(c.records[1]!.value);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX);
    expect(long).toMatch(/^z+…\[truncated \d+ bytes\]$/);
    const kept = long.indexOf('…');
    expect(long.endsWith(`[truncated ${LINE - kept} bytes]`)).toBe(true);
    expect(c.values().slice(2)).toEqual(['after 1', 'after 2']);
    expect(c.records[3]!.position.offset).toBe(fs.statSync(file).size);
    // Never more than one record's worth held for the incomplete line, and the process did not grow by the line.
    expect(c.tailer.stats().peakBufferedBytes).toBeLessThanOrEqual(MAX);
    expect(rssPeak - rssBefore).toBeLessThan(8 * 1024 * 1024);
  });

  it('reads a pre-written 1M-line file with commits at well over 200k lines/s', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'big.log');
    const N = 1_000_000;
    const fd = fs.openSync(file, 'w');
    let chunk = '';
    for (let i = 0; i < N; i++) {
      chunk += `2024-05-01T12:00:00.${String(i % 1000).padStart(3, '0')}Z INFO request ${i} handled in ${i % 97} ms\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    const tailer = new FileTailer({ globs: [file], startAt: 'beginning', checkpointFile: path.join(dir, 'cp.json') });
    let n = 0;
    let last = Promise.resolve();
    tailer.on('batch', (records) => {
      n += records.length;
      last = tailer.commit(lastPositions(records));
    });
    const t0 = performance.now();
    await tailer.start();
    await waitUntil('1M records', () => n >= N, { timeoutMs: 30_000, intervalMs: 5 });
    await last;
    const seconds = (performance.now() - t0) / 1000;
    const rate = Math.round(N / seconds);
    const { batchesEmitted } = tailer.stats();
    await tailer.stop();
    console.log(`tailer throughput: ${N} lines in ${seconds.toFixed(2)} s = ${rate.toLocaleString('en-US')} lines/s (timestamps parsed, commit per batch, ${batchesEmitted} batches)`);
    expect(n).toBe(N);
    expect(N / batchesEmitted).toBeGreaterThan(1000);
    expect(rate).toBeGreaterThan(200_000);
  });
});
