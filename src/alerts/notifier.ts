import type { Logger } from '../common/logger.js';
import type { Webhook } from './config.js';
import type { AlertNotification } from './notification.js';
import { WebhookSender, type WebhookOptions, type WebhookStats } from './webhook-sender.js';

/** Where every notification goes: the webhooks, the alerts topic, and the listeners (the UI's socket, the desktop). */
export class Notifier {
  private readonly webhooks: WebhookSender;
  private readonly listeners = new Set<(n: AlertNotification) => void>();

  constructor(
    private readonly o: {
      logger: Logger;
      /** The webhooks now (the config file's and the editable ones). */
      hooks: () => Webhook[];
      topic: string | null;
      publish: ((topic: string, n: AlertNotification) => Promise<void>) | null;
      webhook?: WebhookOptions;
    },
  ) {
    this.webhooks = new WebhookSender(o.logger, o.webhook);
  }

  get stats(): WebhookStats {
    return { ...this.webhooks.stats };
  }

  send(n: AlertNotification): void {
    this.webhooks.send(this.o.hooks(), n);
    const topic = this.o.topic;
    if (this.o.publish && topic) this.o.publish(topic, n).catch((e: Error) => this.o.logger.warn(`alerts: cannot write the notification to topic ${topic}: ${e.message}`));
    for (const f of this.listeners) {
      try {
        f(n);
      } catch (e) {
        this.o.logger.warn(`alerts: a notification listener failed: ${(e as Error).message}`);
      }
    }
  }

  onNotification(f: (n: AlertNotification) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  drained(): Promise<void> {
    return this.webhooks.drained();
  }

  close(): void {
    this.webhooks.close();
  }
}
