// Applying a batch of line-protocol records costs time linear in the batch: each record's line is found within that
// record only (an earlier version searched for a newline through the rest of the batch, once per record).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { RecordApplier } from '../../../src/metrics/store/record-applier.js';
import { SeriesRegistry } from '../../../src/metrics/store/series-registry.js';
import { expectLinear } from '../../helpers/scaling.js';

const dir = mkdtempSync(join(tmpdir(), 'applier-scaling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('record applier scaling', () => {
  it('applies a batch of one-line records (no newline in any value) in time linear in the batch', () => {
    const registry = SeriesRegistry.open(join(dir, 'series.jsonl'), 1000, 1000, silentLogger);
    const applier = new RecordApplier(registry, 10_000);
    const line = Buffer.from('cpu,host=a usage=1.5 1700000000000000000');
    let points = 0;
    const sink = () => {
      points++;
    };
    expectLinear({
      name: 'records of one batch',
      n: 300,
      // The batch as the log holds it: record values one after another, none ending in a newline.
      make: (n) => ({ data: Buffer.concat(Array.from({ length: n }, () => line)), n }),
      run: ({ data, n }) => {
        for (let i = 0; i < n; i++) applier.apply('influx', data, i * line.length, (i + 1) * line.length, 0, true, sink);
      },
    });
    registry.close();
    if (points === 0) throw new Error('no point was applied');
  });
});
