import type { SecuritySettings } from '../server/services.js';

/**
 * Printed once, by the start that created the agent user: the only time the password reaches a terminal. Everything a
 * newcomer needs to connect another machine, ready to copy.
 */
export function firstStartBanner(s: SecuritySettings): string {
  const rule = '='.repeat(78);
  const lines = [rule, 'Secured by default: other machines connect over TLS and log in (SASL).', ''];
  if (s.agent) {
    lines.push(`  user:      ${s.agent.user}`, `  password:  ${s.agent.password ?? '(changed since; see tributary users passwd)'}`);
    if (s.agent.passwordFile) lines.push(`             (kept in ${s.agent.passwordFile} until you change it: tributary users passwd ${s.agent.user})`);
  }
  if (s.caFile) lines.push(`  CA:        ${s.caFile}  (copy this file to the other machine)`);
  if (s.connect) {
    lines.push(
      `  bootstrap: ${s.connect.bootstrap}  (${s.connect.mechanism})`,
      '',
      'kcat (writes stdin lines to topic logs):',
      '',
      s.connect.kcat,
      '',
      'kafka-python:',
      '',
      s.connect.kafkaPython,
      '',
      'tributary agent:',
      '',
      s.connect.agent,
    );
  }
  lines.push('', 'This is shown once; the UI\'s Settings page shows it again while the password is the generated one.', rule, '');
  return lines.join('\n');
}
