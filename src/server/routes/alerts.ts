import type {} from '@fastify/websocket'; // the websocket route option and handler types
import type { FastifyInstance } from 'fastify';
import { AlertRuleError, ReadOnlyRuleError, RULE_KINDS, type AlertEngine } from '../../alerts/index.js';
import { ApiError, badRequest, conflict, notFound } from '../errors.js';
import { ERROR_RESPONSES, wsTokenQuery } from '../schemas.js';
import type { RouteContext } from './context.js';

/** How often the live feed sends the alerts even when no state changed (their values move). */
const LIVE_REFRESH_MS = 5000;

const open = (description: string) => ({ type: 'object', additionalProperties: true, description }) as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

const ruleStatus = {
  type: 'object',
  required: ['rule', 'readOnly', 'state', 'firing', 'pending', 'lastEvaluatedAt', 'error'],
  properties: {
    rule: open(`the rule as stored: id, name, kind (${RULE_KINDS.join(', ')}), enabled, for, keepFiring, repeatInterval and the kind's keys (README, Alerts)`),
    readOnly: { type: 'boolean', description: 'true for rules from the config file: change them there' },
    state: { type: 'string', enum: ['ok', 'pending', 'firing', 'resolved'], description: 'the most serious state among its alerts' },
    firing: { type: 'integer' },
    pending: { type: 'integer' },
    lastEvaluatedAt: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'], description: 'why the last evaluation failed' },
  },
} as const;

const alertSchema = {
  type: 'object',
  required: ['rule', 'key', 'labels', 'state', 'since', 'activeSince', 'falseSince', 'lastNotifiedAt', 'value'],
  properties: {
    rule: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } } },
    key: { type: 'string', description: 'the group, e.g. host=web1 ("" for a rule without groups)' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    state: { type: 'string', enum: ['pending', 'firing', 'resolved'] },
    since: { type: 'integer', description: 'when it entered its state (epoch ms)' },
    activeSince: { type: ['integer', 'null'], description: 'since when its condition has held' },
    falseSince: { type: ['integer', 'null'], description: 'while firing: since when its condition has been false (resolves after keepFiring)' },
    lastNotifiedAt: { type: ['integer', 'null'] },
    value: { type: ['number', 'null'], description: 'the count, metric value, seconds silent or lag last evaluated' },
  },
} as const;

const historySchema = {
  type: 'object',
  required: ['id', 'at', 'rule', 'key', 'labels', 'from', 'to', 'value', 'samples'],
  properties: {
    id: { type: 'integer' },
    at: { type: 'integer' },
    rule: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } } },
    key: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    from: { type: 'string' },
    to: { type: 'string' },
    value: { type: ['number', 'null'] },
    samples: { type: 'array', items: open('a record ({kind: "record", topic, partition, offset, timestamp, key, value}), a point ({kind: "point", tags, timestamp, value}) or a note ({kind: "note", text})') },
  },
} as const;

const webhookSchema = { type: 'object', required: ['url'], properties: { url: { type: 'string' }, headers: { type: 'object', additionalProperties: { type: 'string' } } } } as const;

function engineOf(ctx: RouteContext): AlertEngine {
  const e = ctx.services.alerts;
  if (!e) throw new ApiError(503, 'UNAVAILABLE', 'alerts are not running on this server');
  return e;
}

/** AlertRuleError is the user's input (400); a config-file rule cannot be changed here (409). */
async function checked<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AlertRuleError) throw badRequest(e.message);
    if (e instanceof ReadOnlyRuleError) throw conflict(e.message);
    throw e;
  }
}

function wholeNumber(name: string, v: string | undefined, dflt: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw badRequest(`${name}: ${JSON.stringify(v)} is not valid; use a whole number from 1 to ${max}`);
  return Number(v);
}

/** Alert rules (create, change, delete), the alerts they raised, their history, webhooks, and a live feed. */
export async function alertRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const tags = ['alerts'];
  app.get(
    '/api/v1/alerts',
    {
      schema: {
        tags,
        summary: 'Every alert not ok (pending, firing, resolved), firing first, with the count firing',
        response: { 200: { type: 'object', required: ['firing', 'alerts'], properties: { firing: { type: 'integer' }, alerts: { type: 'array', items: alertSchema } } }, ...ERROR_RESPONSES },
      },
    },
    async () => {
      const e = engineOf(ctx);
      return { firing: e.firingCount(), alerts: e.alerts() };
    },
  );
  app.get(
    '/api/v1/alerts/rules',
    { schema: { tags, summary: 'Every rule (from the config file and from the API) with its state', response: { 200: { type: 'object', required: ['rules'], properties: { rules: { type: 'array', items: ruleStatus } } }, ...ERROR_RESPONSES } } },
    async () => ({ rules: engineOf(ctx).rules() }),
  );
  app.get<{ Params: { id: string } }>(
    '/api/v1/alerts/rules/:id',
    { schema: { tags, summary: 'One rule with its state', params: idParams, response: { 200: ruleStatus, ...ERROR_RESPONSES } } },
    async (req) => {
      const r = engineOf(ctx).rule(req.params.id);
      if (!r) throw notFound(`no alert rule "${req.params.id}"; GET /api/v1/alerts/rules lists them`);
      return r;
    },
  );
  app.put<{ Params: { id: string }; Body: unknown }>(
    '/api/v1/alerts/rules/:id',
    {
      schema: {
        tags,
        summary: 'Creates or replaces a rule (written to __meta/alerts.json before answering); a changed rule starts from ok',
        description: 'Body: {"kind": "log-count"|"metric-threshold"|"source-silent"|"group-lag", "name", "for", "keepFiring", "repeatInterval", …the kind\'s keys}; see README, Alerts. Rules from the config file answer 409.',
        params: idParams,
        body: open('the rule'),
        response: { 200: ruleStatus, ...ERROR_RESPONSES },
      },
    },
    async (req) => checked(() => engineOf(ctx).putRule(req.params.id, req.body)),
  );
  app.delete<{ Params: { id: string } }>(
    '/api/v1/alerts/rules/:id',
    { schema: { tags, summary: 'Deletes a rule and its alerts', params: idParams, response: { 200: { type: 'object', required: ['id', 'deleted'], properties: { id: { type: 'string' }, deleted: { type: 'boolean' } } }, ...ERROR_RESPONSES } } },
    async (req) => {
      const done = await checked(() => engineOf(ctx).deleteRule(req.params.id));
      if (!done) throw notFound(`no alert rule "${req.params.id}"`);
      return { id: req.params.id, deleted: true };
    },
  );
  app.get<{ Querystring: { rule?: string; limit?: string; before?: string } }>(
    '/api/v1/alerts/history',
    {
      schema: {
        tags,
        summary: 'Changes of state, newest first, with the records or points that fired each alert',
        querystring: { type: 'object', properties: { rule: { type: 'string', maxLength: 64 }, limit: { type: 'string', description: '1 to 1000, default 100' }, before: { type: 'string', description: 'only entries with a lower id (the next page)' } } },
        response: { 200: { type: 'object', required: ['history'], properties: { history: { type: 'array', items: historySchema } } }, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const limit = wholeNumber('limit', req.query.limit, 100, 1000);
      const before = req.query.before === undefined ? undefined : wholeNumber('before', req.query.before, 1, Number.MAX_SAFE_INTEGER);
      return { history: engineOf(ctx).historyEntries({ rule: req.query.rule || undefined, limit, before }) };
    },
  );
  app.get(
    '/api/v1/alerts/webhooks',
    {
      schema: {
        tags,
        summary: 'Where notifications are POSTed: the config file\'s webhooks (read-only) and the editable ones, with delivery counts',
        response: {
          200: {
            type: 'object',
            required: ['config', 'editable', 'stats'],
            properties: { config: { type: 'array', items: webhookSchema }, editable: { type: 'array', items: webhookSchema }, stats: open('delivered, retries, failed, dropped, queued, lastError') },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => engineOf(ctx).webhookList(),
  );
  app.put<{ Body: { webhooks?: unknown } }>(
    '/api/v1/alerts/webhooks',
    {
      schema: {
        tags,
        summary: 'Replaces the editable webhooks (http or https URLs, optional headers)',
        body: { type: 'object', required: ['webhooks'], properties: { webhooks: { type: 'array' } } },
        response: { 200: { type: 'object', required: ['webhooks'], properties: { webhooks: { type: 'array', items: webhookSchema } } }, ...ERROR_RESPONSES },
      },
    },
    async (req) => ({ webhooks: await checked(() => engineOf(ctx).setWebhooks(req.body.webhooks)) }),
  );
  app.get(
    '/api/v1/alerts/live',
    {
      websocket: true,
      schema: {
        tags,
        summary: 'WebSocket: {"type":"alerts","firing","alerts"} now, after every change and every 5 s, {"type":"notification","notification":{…}} for each notification sent',
        description: 'Upgrade with the token (cookie, Authorization header or ?token=) from a page of this server or from a program (no Origin).',
        querystring: { type: 'object', properties: { ...wsTokenQuery } },
      },
    },
    (socket) => {
      const e = ctx.services.alerts;
      if (!e) {
        socket.close(1011, 'alerts are not running');
        return;
      }
      const send = (msg: unknown) => {
        if (socket.readyState === socket.OPEN && socket.bufferedAmount < 1024 * 1024) socket.send(JSON.stringify(msg));
      };
      const state = () => send({ type: 'alerts', firing: e.firingCount(), alerts: e.alerts() });
      state();
      const offChange = e.onChange(state);
      const offNote = e.onNotification((n) => send({ type: 'notification', notification: n }));
      // Values (counts, lag) move without a change of state: refreshed every few seconds too.
      const timer = setInterval(state, LIVE_REFRESH_MS);
      const done = () => {
        clearInterval(timer);
        offChange();
        offNote();
      };
      socket.on('close', done);
      socket.on('error', done);
    },
  );
}
