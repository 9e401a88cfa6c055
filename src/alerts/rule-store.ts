import fs from 'node:fs';
import path from 'node:path';
import { AlertRuleError, type AlertRule } from './rule.js';
import { parseRulesAndWebhooks, type Webhook } from './config.js';
import { JsonFileWriter, readJsonFile } from './json-file.js';

/** The rules and webhooks made in the UI or the API, beside the dashboards in the data directory's metadata folder. */
export const ALERT_RULES_FILE = path.join('__meta', 'alerts.json');

/**
 * The editable rules and webhooks, held in memory (bounded by MAX_RULES) and rewritten whole on each change. A file
 * that no longer validates (edited by hand) is kept aside as `.bad` and the app starts without its rules, saying so.
 */
export class RuleStore {
  private constructor(
    private readonly writer: JsonFileWriter,
    readonly rules: Map<string, AlertRule>,
    public webhooks: Webhook[],
    readonly problem: string | null,
  ) {}

  static open(dataDir: string): RuleStore {
    const file = path.join(dataDir, ALERT_RULES_FILE);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const parsed = readJsonFile(file);
    let rules: AlertRule[] = [];
    let webhooks: Webhook[] = [];
    let problem: string | null = null;
    if (parsed !== null) {
      try {
        ({ rules, webhooks } = parseRulesAndWebhooks((parsed ?? {}) as { rules?: unknown; webhooks?: unknown }, ALERT_RULES_FILE));
      } catch (e) {
        if (!(e instanceof AlertRuleError)) throw e;
        fs.renameSync(file, `${file}.bad`);
        problem = `${e.message}; the file was moved to ${file}.bad and its rules are not loaded`;
      }
    }
    const store: RuleStore = new RuleStore(
      new JsonFileWriter(file, () => ({ rules: [...store.rules.values()], webhooks: store.webhooks })),
      new Map(rules.map((r) => [r.id, r])),
      webhooks,
      problem,
    );
    return store;
  }

  save(): Promise<void> {
    return this.writer.save();
  }
}
