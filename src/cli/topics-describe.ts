// `topics describe` output, laid out like Kafka's own kafka-topics.sh --describe (tab-separated "Key: value" pairs)
// so people and scripts used to Kafka can read it, plus each partition's log start/end offsets.
import kafkajs from 'kafkajs';
import type { Admin, ConfigEntries, PartitionMetadata } from 'kafkajs';

interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

/** Only overrides are shown, as kafka-topics.sh does; broker defaults would bury them. */
function formatConfigs(entries: ConfigEntries[] | undefined): string {
  if (entries === undefined) return '(unavailable)';
  return entries
    .filter((e) => !e.isDefault)
    .map((e) => `${e.configName}=${e.isSensitive ? '(sensitive)' : e.configValue}`)
    .sort()
    .join(',');
}

function formatPartition(topic: string, p: PartitionMetadata, offsets: PartitionOffsets | undefined): string {
  const fields = [
    `Topic: ${topic}`,
    `Partition: ${p.partitionId}`,
    `Leader: ${p.leader >= 0 ? p.leader : 'none'}`,
    `Replicas: ${p.replicas.join(',')}`,
    `Isr: ${p.isr.join(',')}`,
    `LogStartOffset: ${offsets?.low ?? '?'}`,
    `LogEndOffset: ${offsets?.high ?? '?'}`,
  ];
  return `\t${fields.join('\t')}`;
}

/** Configs are optional extras: a broker without DescribeConfigs still gets a useful description. */
async function fetchConfigs(admin: Admin, names: string[]): Promise<Map<string, ConfigEntries[]>> {
  const byTopic = new Map<string, ConfigEntries[]>();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
    });
    for (const r of resources) if (r.errorCode === 0) byTopic.set(r.resourceName, r.configEntries);
  } catch {
    // leave the map empty; formatConfigs prints "(unavailable)"
  }
  return byTopic;
}

export async function describeTopics(admin: Admin, names: string[]): Promise<string> {
  if (names.length === 0) return '';
  const [{ topics }, configs, offsets] = await Promise.all([
    admin.fetchTopicMetadata({ topics: names }),
    fetchConfigs(admin, names),
    Promise.all(names.map(async (name) => [name, await admin.fetchTopicOffsets(name)] as const)),
  ]);
  const offsetsByTopic = new Map(offsets);

  const lines: string[] = [];
  for (const topic of [...topics].sort((a, b) => a.name.localeCompare(b.name))) {
    const partitions = [...topic.partitions].sort((a, b) => a.partitionId - b.partitionId);
    const replicationFactor = partitions[0]?.replicas.length ?? 0;
    lines.push(
      [
        `Topic: ${topic.name}`,
        `PartitionCount: ${partitions.length}`,
        `ReplicationFactor: ${replicationFactor}`,
        `Configs: ${formatConfigs(configs.get(topic.name))}`,
      ].join('\t'),
    );
    const topicOffsets = offsetsByTopic.get(topic.name) ?? [];
    for (const p of partitions) {
      lines.push(formatPartition(topic.name, p, topicOffsets.find((o) => o.partition === p.partitionId)));
    }
  }
  return `${lines.join('\n')}\n`;
}
