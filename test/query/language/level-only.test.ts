// `levels` of a compiled query: set exactly when matching depends on the level alone, and then it says which records
// match (checked against matches() on records of every level and none).
import { describe, expect, it } from 'vitest';
import { compileQuery, queryRequiredLevels } from '../../../src/query/language/index.js';

const VALUES = ['{"level":"info"}', 'level=warn a', 'ERROR disk', 'E0501 12:00:00.123456 1 x.go:1] y', 'TRACE z', 'DEBUG q', 'FATAL f', 'nothing', '{"msg":"none"}'];
const records = VALUES.flatMap((v, i) => [
  { topic: 't', partition: 0, offset: i, timestamp: 1_000 + i, key: null, value: Buffer.from(v), headers: [] as [string, Buffer | null][] },
  { topic: 't', partition: 0, offset: 100 + i, timestamp: 2_000 + i, key: null, value: Buffer.from(v), headers: [['severity', Buffer.from('crit')]] as [string, Buffer | null][] },
]);

describe('levels of a query', () => {
  it.each(['', 'level:error', 'level>=warn', 'level<info', 'level>debug -level:fatal', '-level:*', 'level:*', 'level:(error OR fatal)', 'NOT (level:info OR level:warn)', '_time>=1500 level:error', 'severity:crit', 'lvl:w'])(
    '%s: the levels it names are exactly the levels of the records it matches',
    (q) => {
      const c = compileQuery(q);
      expect(c.levels).not.toBeNull();
      for (const r of records) {
        if (c.timeRange.from !== undefined && r.timestamp < c.timeRange.from) continue;
        expect(c.levels!.has((c.levelOf(r) ?? 'unknown') as never), `${q} on ${r.value}`).toBe(c.matches(r));
      }
    },
  );

  it.each(['disk', 'level:error disk', 'host:web', 'level:error OR disk', '/x/', '_time>=1500 OR level:error', 'level:error _offset:3'])('%s: depends on more than the level', (q) => {
    expect(compileQuery(q).levels).toBeNull();
  });
});

describe('levels a query requires', () => {
  it.each(['level:error', 'level:error disk', 'level>=warn host:web', 'level:error OR level:fatal', '(level:error disk) OR (level:warn y)', 'level:error _offset:3', '-level:info', 'level:* disk', 'level:error -disk'])(
    '%s: no record at another level matches',
    (q) => {
      const c = compileQuery(q);
      const required = queryRequiredLevels(q);
      expect(required).not.toBeNull();
      for (const r of records) if (c.matches(r)) expect(required!.has((c.levelOf(r) ?? 'unknown') as never), `${q} on ${r.value}`).toBe(true);
    },
  );

  it.each(['disk', 'level:error OR disk', '-(level:error disk)', '/x/', 'host:web'])('%s: any level may match', (q) => {
    expect(queryRequiredLevels(q)).toBeNull();
  });
});
