// The series registry shares one frozen tags object among the series of one tag set created one after the other (the
// fields of a line), and never among different tag sets; the file it writes gives back the same series and tags.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { SeriesRegistry } from '../../../src/metrics/store/series-registry.js';
import { tempDir } from './helpers.js';

const tagsOf = (o: Record<string, string>) => Object.assign(Object.create(null), o) as Record<string, string>;

describe('series registry', () => {
  it('shares the tags of a line among its fields, keeps tag sets apart, and reads the same back from its file', () => {
    const file = path.join(tempDir(), 'series.jsonl');
    const r = SeriesRegistry.open(file, 1000, 1000, silentLogger);
    const a = tagsOf({ host: 'a', cpu: 'cpu0' });
    const user = r.resolve('cpu', a, 'usage_user');
    const system = r.resolve('cpu', a, 'usage_system');
    // The same tag set given in another object and key order (a later line of the same series part).
    const idle = r.resolve('cpu', tagsOf({ cpu: 'cpu0', host: 'a' }), 'usage_idle');
    const other = r.resolve('cpu', tagsOf({ host: 'b', cpu: 'cpu0' }), 'usage_user');
    // An empty tag value is no tag: this is host=a's tag set again, after another one.
    const again = r.resolve('cpu', tagsOf({ host: 'a', cpu: 'cpu0', dc: '' }), 'usage_steal');
    expect(r.resolve('cpu', tagsOf({ host: 'a', cpu: 'cpu0' }), 'usage_system')).toBe(system);
    expect(r.infos[user]!.tags).toBe(r.infos[system]!.tags);
    expect(r.infos[user]!.tags).toBe(r.infos[idle]!.tags);
    expect(r.infos[other]!.tags).not.toBe(r.infos[user]!.tags);
    expect({ ...r.infos[other]!.tags }).toEqual({ cpu: 'cpu0', host: 'b' });
    expect({ ...r.infos[again]!.tags }).toEqual({ cpu: 'cpu0', host: 'a' });
    expect(Object.keys(r.infos[user]!.tags)).toEqual(['cpu', 'host']);
    expect(Object.isFrozen(r.infos[user]!.tags)).toBe(true);
    expect(r.select('cpu', 'usage_user', [{ key: 'host', op: '=', value: 'b' }]).map((s) => s.id)).toEqual([other]);
    r.close();

    const back = SeriesRegistry.open(file, 1000, 1000, silentLogger);
    expect(back.size).toBe(5);
    for (const id of [user, system, idle, other, again]) {
      expect(back.infos[id]!.field).toBe(r.infos[id]!.field);
      expect({ ...back.infos[id]!.tags }).toEqual({ ...r.infos[id]!.tags });
    }
    expect(back.resolve('cpu', tagsOf({ host: 'b', cpu: 'cpu0' }), 'usage_user')).toBe(other);
    back.close();
  });
});
