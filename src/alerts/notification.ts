import type { RuleKind } from './rule.js';
import type { AlertState, Notice, Sample } from './state-machine.js';

/**
 * One notification, the same JSON everywhere it goes: the webhook body, the record in the alerts topic, the UI's
 * live feed and the desktop notification (title and body are ready to show).
 */
export interface AlertNotification {
  /** firing: it started; repeat: still firing after repeatInterval; resolved: it ended. */
  type: Notice;
  rule: { id: string; name: string; kind: RuleKind };
  /** The group (`host=web1`; "" for a rule without groups). */
  key: string;
  labels: Record<string, string>;
  state: AlertState;
  value: number | null;
  /** When the alert entered its state, and when this was sent (epoch ms). */
  since: number;
  at: number;
  title: string;
  body: string;
  samples: Sample[];
}
