import type { AlertRule } from './rule.js';
import type { GroupState, Notice } from './state-machine.js';

const num = (v: number | null) => (v === null ? '?' : Number.isInteger(v) ? String(v) : v.toFixed(2));

/** What a notification says, in words a person reads in a desktop notification or a chat message. */
export function describe(rule: AlertRule, g: GroupState, type: Notice): { title: string; body: string } {
  const where = g.key ? ` on ${Object.entries(g.labels).map(([k, v]) => `${k} ${v || '(none)'}`).join(', ') || g.key}` : '';
  const title = `${type === 'resolved' ? 'Resolved' : 'Firing'}: ${rule.name}${where}`;
  let what: string;
  switch (rule.kind) {
    case 'log-count':
      what = `${num(g.value)} records matching ${rule.query ? JSON.stringify(rule.query) : 'any query'} in ${rule.window} (alert when ${rule.op} ${rule.threshold})`;
      break;
    case 'metric-threshold':
      what = `${rule.measurement}.${rule.field} ${rule.reduce} is ${num(g.value)} (alert when ${rule.op} ${rule.threshold}${rule.for ? ` for ${rule.for}` : ''})`;
      break;
    case 'source-silent':
      what = `no records for ${num(g.value)} s (alert after ${rule.silentFor} of silence)`;
      break;
    case 'group-lag':
      what = `lag of ${num(g.value)} records (alert when > ${rule.threshold})`;
      break;
  }
  return { title, body: type === 'resolved' ? `back to normal; last seen: ${what}` : what };
}
