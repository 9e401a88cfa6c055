// main/alerts.ts: the two notification rules, fed sequences of polls on a made-up clock.
import { describe, expect, it } from 'vitest';
import { ErrorSpikes, SilentSources, sourceName, type SourceRow } from '../../main/alerts.js';

const S = 1000;
const agent = (name: string, recordsProduced: number): SourceRow => ({ clientId: `tributary-agent-${name}`, address: '10.0.0.5', agent: name, host: 'web-1', recordsProduced });

/** Polls every 10 s from t=0 to `untilMs`, with `produced(t)` records so far. */
function poll(rule: SilentSources, untilMs: number, produced: (t: number) => number, name = 'web-1') {
  const alerts: { t: number; body: string }[] = [];
  for (let t = 0; t <= untilMs; t += 10 * S) for (const a of rule.update([agent(name, produced(t))], t)) alerts.push({ t, body: a.body });
  return alerts;
}

describe('a source going silent', () => {
  it('is announced once, two minutes after a source that produced for a minute stops', () => {
    // Produces for 3 minutes (a record per poll), then nothing.
    const alerts = poll(new SilentSources(), 10 * 60 * S, (t) => Math.min(t, 180 * S) / (10 * S));
    expect(alerts).toEqual([{ t: 300 * S, body: 'agent web-1 has sent nothing for 2 min' }]);
  });

  it('never counts a short-lived producer (a kcat that sends a file and exits) as silent', () => {
    expect(poll(new SilentSources(), 10 * 60 * S, (t) => (t >= 20 * S ? 500 : 0))).toEqual([]);
  });

  it('announces again only after the source came back and went quiet again', () => {
    const produced = (t: number) => {
      const active = (t <= 120 * S ? t : 120 * S) + (t >= 400 * S ? Math.min(t, 500 * S) - 400 * S : 0);
      return active / (10 * S);
    };
    const alerts = poll(new SilentSources(), 15 * 60 * S, produced);
    expect(alerts.map((a) => a.t)).toEqual([240 * S, 620 * S]);
  });

  it('follows a source across reconnections (new connection ids, same agent name)', () => {
    const rule = new SilentSources();
    const alerts = [];
    for (let t = 0; t <= 10 * 60 * S; t += 10 * S) {
      // Reconnects every minute: the old connection stays listed with its count, the new one starts at 0.
      const rows: SourceRow[] = [];
      const minutes = Math.floor(Math.min(t, 180 * S) / (60 * S));
      for (let m = 0; m < minutes; m++) rows.push(agent('web-1', 6));
      if (t <= 180 * S) rows.push(agent('web-1', ((t % (60 * S)) / (10 * S))));
      alerts.push(...rule.update(rows, t).map((a) => ({ t, a })));
    }
    expect(alerts.map((x) => x.t)).toEqual([300 * S]);
  });

  it('names agents by name and other clients by client id and host', () => {
    expect(sourceName(agent('db-2', 1))).toBe('agent db-2');
    expect(sourceName({ clientId: 'rdkafka', address: '10.0.0.9', agent: null, host: null, recordsProduced: 1 })).toBe('rdkafka on 10.0.0.9');
    expect(sourceName({ clientId: null, address: '10.0.0.9', agent: null, host: 'db-1', recordsProduced: 1 })).toBe('a client on db-1');
  });
});

describe('errors spiking', () => {
  const M = 60 * S;

  it('fires when a minute has 20+ errors and 3x the minutes before', () => {
    const rule = new ErrorSpikes();
    for (let m = 0; m < 10; m++) expect(rule.update(m * M, 5)).toBeNull();
    expect(rule.update(10 * M, 14)).toBeNull(); // 3x the baseline would be 15
    const a = rule.update(11 * M, 40);
    expect(a).toEqual({ title: 'Errors spiked', body: '40 error records in the last minute (about 6 a minute before)' });
  });

  it('needs at least 20 errors, even from zero', () => {
    expect(new ErrorSpikes().update(0, 19)).toBeNull();
    const rule = new ErrorSpikes();
    expect(rule.update(0, 0)).toBeNull();
    expect(rule.update(M, 20)?.body).toBe('20 error records in the last minute (about 0 a minute before)');
    expect(new ErrorSpikes().update(0, 25)?.body).toBe('25 error records in the last minute');
  });

  it('does not fire for a steady high error rate, nor twice within ten minutes', () => {
    const rule = new ErrorSpikes();
    const fired: number[] = [];
    for (let m = 0; m < 30; m++) if (rule.update(m * M, m < 5 ? 0 : 100)) fired.push(m);
    expect(fired).toEqual([5]);
    const bursty = new ErrorSpikes();
    const times: number[] = [];
    for (let m = 0; m < 30; m++) if (bursty.update(m * M, m % 4 === 0 ? 200 : 0)) times.push(m);
    expect(times).toEqual([0, 12, 24]);
  });
});
