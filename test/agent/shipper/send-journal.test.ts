// The send journal: what a restarted agent learns from it (producer, next sequences, the batch in flight per
// partition with its source ranges, how far files are acknowledged), a torn tail, compaction, and when not to trust it.
import { crc32c } from '@node-rs/crc32';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionKey, readJournal, SendJournal, type FileIdentity } from '../../../src/agent/shipper/send-journal.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-journal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(tmp, `journal-${++n}`);

const file = (id: string): FileIdentity => ({ fileId: id, path: `/logs/${id}.log`, recordPath: `/logs/${id}.log`, dev: '1', ino: id, fingerprint: `fp-${id}`, fingerprintBytes: 256 });
const identify = (id: string) => (id.startsWith('unknown') ? undefined : file(id));
const batch = (partition: number, baseSequence: number, runs: Array<[string, number, number, number]> | null, spool: { segment: number; offset: number } | null = null) => ({
  topic: 'logs',
  partition,
  baseSequence,
  records: runs ? runs.reduce((s, r) => s + r[3], 0) : 7,
  runs: runs?.map(([fileId, start, end, records]) => ({ fileId, start, end, records })) ?? null,
  spool,
});

describe('send journal', () => {
  it('tells the producer, the next sequence per partition, the batch in flight and how far each file is acknowledged', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 7, producerEpoch: 2 }, 'cluster-a');
    j.sent(batch(0, 0, [['a', 0, 100, 10]]));
    j.sent(batch(1, 0, [['b', 0, 50, 5]]));
    j.flush();
    j.acknowledged('logs', 0, 0);
    j.sent(batch(0, 10, [['a', 100, 180, 8], ['c', 0, 20, 2]]));
    j.acknowledged('logs', 1, 0);
    j.flush(); // no close(): a crash
    const { plan, distrust } = readJournal(path);
    expect(distrust).toBeNull(); // same boot
    expect(plan!.producer).toEqual({ producerId: 7, producerEpoch: 2, clusterId: 'cluster-a' });
    expect(plan!.next).toEqual(new Map([[partitionKey('logs', 0), 20], [partitionKey('logs', 1), 5]]));
    expect(plan!.inFlight).toHaveLength(1);
    const b = plan!.inFlight[0]!;
    expect({ partition: b.partition, baseSequence: b.baseSequence, records: b.records }).toEqual({ partition: 0, baseSequence: 10, records: 10 });
    expect(b.runs!.map((r) => [r.file.path, r.start, r.end, r.records])).toEqual([['/logs/a.log', 100, 180, 8], ['/logs/c.log', 0, 20, 2]]);
    expect(new Map([...plan!.acked].map(([id, x]) => [id, x.offset]))).toEqual(new Map([['a', 100], ['b', 50]]));
  });

  it('a batch sent again with the same base sequence (halves after MESSAGE_TOO_LARGE) replaces the one before', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 1, producerEpoch: 0 }, null);
    j.sent(batch(0, 0, [['a', 0, 100, 10]]));
    j.sent(batch(0, 0, null)); // the first half: cannot be rebuilt
    j.flush();
    const { plan } = readJournal(path);
    expect(plan!.inFlight.map((b) => [b.baseSequence, b.records, b.runs])).toEqual([[0, 7, null]]);
    expect(plan!.acked.size).toBe(0); // the refused batch's lines were not acknowledged
  });

  it('a new producer epoch restarts every sequence and forgets what was in flight under the old one', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 1, producerEpoch: 0 }, null);
    j.sent(batch(0, 0, [['a', 0, 100, 10]]));
    j.producerChanged({ producerId: 1, producerEpoch: 1 }, null);
    j.flush();
    const { plan } = readJournal(path);
    expect(plan!.producer.producerEpoch).toBe(1);
    expect(plan!.inFlight).toEqual([]);
    expect(plan!.next.size).toBe(0);
  });

  it('records spool frames: acknowledged ones and the one in flight, by their end position', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 1, producerEpoch: 0 }, null);
    j.sent(batch(0, 0, null, { segment: 1, offset: 100 }));
    j.acknowledged('logs', 0, 0);
    j.sent(batch(0, 7, null, { segment: 1, offset: 200 }));
    j.flush();
    const { plan } = readJournal(path);
    expect([...plan!.spoolAcked]).toEqual(['1:100']);
    expect(plan!.inFlight.map((b) => b.spool)).toEqual([{ segment: 1, offset: 200 }]);
  });

  it('lines safe in the disk buffer count as acknowledged for their file', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 1, producerEpoch: 0 }, null);
    j.stored('a', 500);
    j.stored('a', 400); // never backwards
    j.flush();
    expect(readJournal(path).plan!.acked.get('a')!.offset).toBe(500);
  });

  it('a batch whose file identity is unknown is recorded as one that cannot be rebuilt', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 1, producerEpoch: 0 }, null);
    j.sent(batch(0, 0, [['unknown-1', 0, 10, 1]]));
    j.flush();
    expect(readJournal(path).plan!.inFlight[0]!.runs).toBeNull();
  });

  it('stops at a torn or damaged record and keeps everything before it', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 1, producerEpoch: 0 }, null);
    j.sent(batch(0, 0, [['a', 0, 100, 10]]));
    j.flush();
    appendFileSync(path, '0badc0de {"k":"A","t":"logs","p":0,"s":0}\n{"k":"A"'); // wrong checksum, then half a line
    const { plan } = readJournal(path);
    expect(plan!.inFlight).toHaveLength(1);
  });

  it('is not trusted after a reboot unless the agent stopped cleanly', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 1, producerEpoch: 0 }, null);
    j.sent(batch(0, 0, [['a', 0, 100, 10]]));
    j.flush();
    // The same journal written during another boot.
    const rebooted = readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => {
        if (!l.includes('"k":"B"')) return l;
        const json = JSON.stringify({ k: 'B', b: 'another-boot' });
        return `${(crc32c(json) >>> 0).toString(16).padStart(8, '0')} ${json}`;
      })
      .join('\n');
    writeFileSync(path, rebooted);
    expect(readJournal(path).distrust).toMatch(/machine restarted since the agent last ran and the agent had not stopped cleanly/);
    // Stopped cleanly: the journal was fsynced, so even another boot may use it.
    const again = new SendJournal(path, identify, readJournal(path).plan);
    again.close();
    const cleanRebooted = readFileSync(path, 'utf8').replace(/^[0-9a-f]{8} \{"k":"B","b":"[^"]*"\}$/m, () => {
      const json = JSON.stringify({ k: 'B', b: 'another-boot' });
      return `${(crc32c(json) >>> 0).toString(16).padStart(8, '0')} ${json}`;
    });
    writeFileSync(path, cleanRebooted);
    const read = readJournal(path);
    expect(read.distrust).toBeNull();
    expect(read.plan!.inFlight).toHaveLength(1);
  });

  it('a new journal starts from what the old one still knows; a long-running one compacts itself', () => {
    const path = fresh();
    const j = new SendJournal(path, identify, null);
    j.producerChanged({ producerId: 3, producerEpoch: 1 }, 'c');
    let seq = 0;
    for (let i = 0; i < 30_000; i++) {
      j.sent(batch(i % 4, seq, [['a', i * 10, i * 10 + 10, 1]]));
      j.acknowledged('logs', i % 4, seq);
      if (i % 4 === 3) seq++;
      j.flush();
    }
    j.sent(batch(2, seq, [['b', 0, 10, 1]]));
    j.flush();
    expect(statSync(path).size).toBeLessThan(5 * 1024 * 1024);
    const { plan } = readJournal(path);
    expect(plan!.producer).toEqual({ producerId: 3, producerEpoch: 1, clusterId: 'c' });
    expect(plan!.acked.get('a')!.offset).toBe(300_000);
    expect(plan!.inFlight.map((b) => [b.partition, b.baseSequence])).toEqual([[2, seq]]);
    // Reopened with that plan: the same knowledge, in a short file.
    const k = new SendJournal(path, identify, plan);
    k.flush();
    expect(statSync(path).size).toBeLessThan(2000);
    const after = readJournal(path).plan!;
    expect(after.next).toEqual(plan!.next);
    expect(after.inFlight.map((b) => [b.partition, b.baseSequence, b.runs![0]!.file.path])).toEqual([[2, seq, '/logs/b.log']]);
    expect(after.acked.get('a')!.offset).toBe(300_000);
  });
});
