// `topics describe` output, laid out like Kafka's own kafka-topics.sh --describe (tab-separated "Key: value" pairs)
// so people and scripts used to Kafka can read it, plus each partition's log start/end offsets.
import type { ConfigEntry, PartitionDescription } from '../client/admin.js';
import type { KafkaClient } from '../client/client.js';
import type { PartitionRange } from '../client/offsets.js';

/** Only overrides are shown, as kafka-topics.sh does; broker defaults would bury them. */
function formatConfigs(entries: ConfigEntry[] | undefined): string {
  if (entries === undefined) return '(unavailable)';
  return entries
    .filter((e) => !e.isDefault)
    .map((e) => `${e.name}=${e.isSensitive ? '(sensitive)' : e.value}`)
    .sort()
    .join(',');
}

function formatPartition(topic: string, p: PartitionDescription, offsets: PartitionRange | undefined): string {
  const fields = [
    `Topic: ${topic}`,
    `Partition: ${p.partition}`,
    `Leader: ${p.leader >= 0 ? p.leader : 'none'}`,
    `Replicas: ${p.replicas.join(',')}`,
    `Isr: ${p.isr.join(',')}`,
    `LogStartOffset: ${offsets?.low ?? '?'}`,
    `LogEndOffset: ${offsets?.high ?? '?'}`,
  ];
  return `\t${fields.join('\t')}`;
}

/** Configs are optional extras: a broker without DescribeConfigs still gets a useful description. */
async function fetchConfigs(client: KafkaClient, names: string[]): Promise<Map<string, ConfigEntry[]>> {
  try {
    return await client.admin.describeTopicConfigs(names);
  } catch {
    return new Map(); // formatConfigs prints "(unavailable)"
  }
}

export async function describeTopics(client: KafkaClient, names: string[]): Promise<string> {
  if (names.length === 0) return '';
  const [topics, configs, offsets] = await Promise.all([
    client.admin.describeTopics(names),
    fetchConfigs(client, names),
    Promise.all(names.map(async (name) => [name, await client.offsets.ranges(name)] as const)),
  ]);
  const offsetsByTopic = new Map(offsets);

  const lines: string[] = [];
  for (const topic of [...topics].sort((a, b) => a.name.localeCompare(b.name))) {
    const replicationFactor = topic.partitions[0]?.replicas.length ?? 0;
    lines.push(
      [
        `Topic: ${topic.name}`,
        `PartitionCount: ${topic.partitions.length}`,
        `ReplicationFactor: ${replicationFactor}`,
        `Configs: ${formatConfigs(configs.get(topic.name))}`,
      ].join('\t'),
    );
    const ranges = offsetsByTopic.get(topic.name);
    for (const p of topic.partitions) lines.push(formatPartition(topic.name, p, ranges?.get(p.partition)));
  }
  return `${lines.join('\n')}\n`;
}
