import { describe, expect, it } from 'vitest';
import { buildRecordBatch, gzipBatch } from '../../src/protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE } from '../../src/protocol/record-batch.js';
import { firstRecordHeaders } from '../../src/protocol/record-decoder.js';

describe('firstRecordHeaders', () => {
  const batch = buildRecordBatch([
    { key: 'k', value: 'v', headers: [['path', '/var/log/x'], ['host', 'web-01'], ['agent', 'tributary']] },
    { value: 'second', headers: [['host', 'other']] },
  ]);

  it('reads the named headers of the first record only', () => {
    expect(firstRecordHeaders(batch, 0, ['host', 'agent'])).toEqual({ host: 'web-01', agent: 'tributary' });
    expect(firstRecordHeaders(batch, 0, ['level'])).toEqual({});
  });

  it('gives null for a compressed batch (it does not decompress) and for broken records', () => {
    expect(firstRecordHeaders(gzipBatch(batch), 0, ['host'])).toBeNull();
    const broken = Buffer.from(batch);
    broken[BATCH_HEADER_SIZE] = 0x01; // a record length of -1
    expect(firstRecordHeaders(broken, 0, ['host'])).toBeNull();
    expect(firstRecordHeaders(batch.subarray(0, 30), 0, ['host'])).toBeNull();
  });
});
