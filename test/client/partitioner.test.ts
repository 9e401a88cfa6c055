// Keyed records must land where Kafka's Java client (and kafkajs) would put them.
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, Partitioner } from '../../src/client/partitioner.js';

describe('murmur2', () => {
  it('matches the vectors of Kafka UtilsTest.testMurmur2', () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [s, h] of vectors) expect(murmur2(Buffer.from(s)), s).toBe(h);
  });

  it('agrees with kafkajs on arbitrary UTF-8 keys of every length mod 4', async () => {
    const { createRequire } = await import('node:module');
    const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (b: Buffer) => number;
    for (const key of ['', 'a', 'ab', 'abc', '/var/log/app.log', 'é日本語', 'cpu,cpu=total,host=a', 'x'.repeat(1001)]) {
      expect(murmur2(Buffer.from(key)), key).toBe(kafkajsMurmur2(Buffer.from(key)));
    }
  });
});

describe('Partitioner', () => {
  it('sends a key to (murmur2 & 0x7fffffff) % partitions, and unkeyed records of one call to one partition', () => {
    const p = new Partitioner(() => 0.5);
    expect(p.partition('foobar', 7)).toBe((murmur2(Buffer.from('foobar')) & 0x7fffffff) % 7);
    expect(p.partition('foobar', 7)).toBe(partitionForKey('foobar', 7));
    p.nextCall();
    expect([p.partition(null, 4), p.partition(null, 4), p.partition(null, 4)]).toEqual([2, 2, 2]);
    expect(p.partition('anything', 1)).toBe(0);
  });
});
