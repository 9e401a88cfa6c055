import type { AlertNotification } from '../alerts/index.js';
import type { Broker } from '../broker/broker.js';
import type { LocalProducer } from '../ingest/local-producer.js';

/**
 * Writes each notification as one JSON record of the alerts topic (key: the rule id; headers: rule, state, and
 * `level` — error while firing, info when resolved — so a search for `level:error` in that topic lists what fired).
 * The topic is created with one partition the first time, whatever autoCreateTopics says: the user asked for it.
 */
export function alertsTopicWriter(broker: Broker, producer: LocalProducer): (topic: string, n: AlertNotification) => Promise<void> {
  return async (topic, n) => {
    if (!broker.logs.getTopic(topic)) {
      try {
        broker.topics.createTopic(topic, 1, {}, false);
      } catch (e) {
        if (!broker.logs.getTopic(topic)) throw e; // created meanwhile is fine
      }
    }
    await producer.write(topic, [{ key: n.rule.id, value: JSON.stringify(n), timestamp: n.at, headers: { rule: n.rule.id, state: n.state, level: n.type === 'resolved' ? 'info' : 'error' } }]);
  };
}
