/**
 * Alerts: rules over logs, metrics, sources and consumer groups, evaluated continuously by the core, each alert moving
 * through ok → pending → firing → resolved, notified by webhook, by a record in the alerts topic and to listeners (the
 * UI, the desktop shell). State and history persist in the data directory.
 */
export { AlertEngine, ReadOnlyRuleError, ALERT_STATE_FILE, RESOLVED_SHOWN_MS, type AlertEngineOptions, type AlertStatus, type RuleStatus } from './alert-engine.js';
export { parseAlertsConfig, parseWebhook, ALERTS_DEFAULTS, type AlertsConfig, type Webhook } from './config.js';
export { AlertRuleError, parseRule, RULE_KINDS, type AlertRule, type RuleKind } from './rule.js';
export { ALERT_RULES_FILE } from './rule-store.js';
export type { AlertInputs } from './evaluators/evaluator.js';
export type { AlertNotification } from './notification.js';
export type { HistoryEntry } from './history.js';
export type { AlertState, Sample } from './state-machine.js';
export type { WebhookStats, WebhookOptions } from './webhook-sender.js';
