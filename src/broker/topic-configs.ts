import { describeTopicConfig, type TopicConfigEntry } from '../storage/topic-config.js';
import type { TopicConfig, TopicInfo } from '../storage/types.js';
import type { BrokerConfig } from './config.js';
import { LIMIT_NAMES, LIMITS } from './limits.js';

/** Kafka's DescribeConfigs config_source codes. */
const SOURCE = { TOPIC: 1, BROKER: 4, DEFAULT: 5 } as const;
/** Kafka's DescribeConfigs config_type codes. */
const TYPE = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7 } as const;

/** Broker-level names of the topic configs (Kafka's log.* synonyms). */
const BROKER_SYNONYM: Record<string, string> = {
  'cleanup.policy': 'log.cleanup.policy',
  'retention.ms': 'log.retention.ms',
  'retention.bytes': 'log.retention.bytes',
  'segment.bytes': 'log.segment.bytes',
  'segment.ms': 'log.roll.ms',
  'segment.index.bytes': 'log.index.size.max.bytes',
  'index.interval.bytes': 'log.index.interval.bytes',
  'max.message.bytes': 'message.max.bytes',
  'flush.messages': 'log.flush.interval.messages',
  'flush.ms': 'log.flush.interval.ms',
  'message.timestamp.type': 'log.message.timestamp.type',
  'file.delete.delay.ms': 'log.segment.delete.delay.ms',
};

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  source: number;
  type: number;
  documentation: string | null;
  synonyms: { name: string; value: string | null; source: number }[];
}

function fromTopicEntry(e: TopicConfigEntry, topicDefaults?: TopicConfig): ConfigEntry {
  // A topic override also reports the broker-wide value it shadows, like Kafka's synonyms.
  const synonyms: ConfigEntry['synonyms'] = [{ name: e.name, value: e.value, source: SOURCE[e.source] }];
  if (e.source === 'TOPIC' && topicDefaults) {
    const d = topicDefaults[e.name];
    synonyms.push({ name: BROKER_SYNONYM[e.name] ?? e.name, value: String(d), source: SOURCE.DEFAULT });
  }
  return { name: e.name, value: e.value, readOnly: false, isDefault: e.isDefault, source: SOURCE[e.source], type: TYPE[e.type], documentation: e.documentation, synonyms };
}

/** `topicDefaults`: Kafka's defaults overridden by the broker config's topicDefaults. */
export function describeTopicConfigs(topic: TopicInfo, topicDefaults: TopicConfig): ConfigEntry[] {
  return describeTopicConfig(topic.overrides, topicDefaults).map((e) => fromTopicEntry(e, topicDefaults));
}

/** The broker's own settings, under Kafka's broker config names, so admin tools show something true. */
export function describeBrokerConfigs(c: BrokerConfig, topicDefaults: TopicConfig): ConfigEntry[] {
  const fixed = (name: string, value: string, type: number, documentation: string, readOnly = true): ConfigEntry => ({
    name, value, readOnly, isDefault: false, source: SOURCE.BROKER, type, documentation, synonyms: [{ name, value, source: SOURCE.BROKER }],
  });
  const entries: ConfigEntry[] = [
    fixed('node.id', String(c.nodeId), TYPE.INT, 'This broker\'s node id.'),
    fixed('broker.id', String(c.nodeId), TYPE.INT, 'Same as node.id.'),
    fixed('log.dirs', c.dataDir, TYPE.STRING, 'Directory holding topics, offsets and metadata.'),
    fixed('auto.create.topics.enable', String(c.autoCreateTopics), TYPE.BOOLEAN, 'Create unknown topics on produce or metadata requests.'),
    fixed('num.partitions', String(c.defaultPartitions), TYPE.INT, 'Partitions of auto-created topics.'),
    fixed('default.replication.factor', '1', TYPE.INT, 'Single broker: every partition has exactly one replica.'),
    fixed('log.retention.check.interval.ms', String(c.retentionCheckIntervalMs), TYPE.LONG, 'How often retention deletes old segments.'),
  ];
  // The limits that mirror a Kafka broker setting, under its name (limits.ts).
  for (const name of LIMIT_NAMES) {
    const spec = LIMITS[name];
    if (spec.kafka && /^[a-z.]+$/.test(spec.kafka)) entries.push(fixed(spec.kafka, String(c[name]), spec.max > 2 ** 31 - 1 ? TYPE.LONG : TYPE.INT, `${spec.doc[0]!.toUpperCase()}${spec.doc.slice(1)}.`));
  }
  const defaults = describeTopicConfig({}, topicDefaults);
  for (const e of defaults) {
    const name = BROKER_SYNONYM[e.name] ?? e.name;
    entries.push({ ...fromTopicEntry(e), name, readOnly: true, synonyms: [{ name, value: e.value, source: SOURCE[e.source] }] });
  }
  return entries;
}
