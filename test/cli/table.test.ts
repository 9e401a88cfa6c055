import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/cli/table.js';

describe('formatTable', () => {
  it('aligns columns two spaces apart, prints missing cells as "-" and trims line ends', () => {
    expect(formatTable(['TOPIC', 'PARTITION', 'LAG'], [['logs', 0, 12n], ['a-much-longer-topic', 10, null]])).toBe(
      ['TOPIC                PARTITION  LAG', 'logs                 0          12', 'a-much-longer-topic  10         -', ''].join('\n'),
    );
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['GROUP', 'STATE'], [])).toBe('GROUP  STATE\n');
  });
});
