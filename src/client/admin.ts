// Topic administration: list, describe, create, delete, add partitions, read topic configs. Plain Kafka requests, so
// it works against `tributary serve` and any Kafka cluster; requests that change topics go to the controller.
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../protocol/schemas/create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../protocol/schemas/create-topics.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/schemas/delete-topics.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../protocol/schemas/describe-configs.js';
import { sleep } from './backoff.js';
import type { BrokerConnection } from './broker-connection.js';
import type { Cluster } from './cluster.js';
import { check, kafkaError } from './errors.js';

export interface PartitionDescription {
  partition: number;
  /** Node id of the leader, -1 while there is none. */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicDescription {
  name: string;
  internal: boolean;
  /** In partition order. */
  partitions: PartitionDescription[];
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  /** False only for a value set on the topic itself (what kafka-topics.sh --describe lists). */
  isDefault: boolean;
  isSensitive: boolean;
  readOnly: boolean;
}

export interface NewTopic {
  name: string;
  /** Omitted: the broker's num.partitions / default.replication.factor. */
  partitions?: number;
  replicationFactor?: number;
  configs?: Array<[string, string]>;
}

const CREATE_TOPICS_VERSIONS: [number, number] = [2, 7];
const DELETE_TOPICS_VERSIONS: [number, number] = [1, 5];
const CREATE_PARTITIONS_VERSIONS: [number, number] = [0, 3];
const DESCRIBE_CONFIGS_VERSIONS: [number, number] = [0, 4];
const RESOURCE_TOPIC = 2;
const SOURCE_TOPIC_CONFIG = 1; // DescribeConfigs config_source DYNAMIC_TOPIC_CONFIG

export class Admin {
  constructor(
    private readonly cluster: Cluster,
    /** How long the broker may take to create or delete a topic, and how long we wait for new leaders. */
    private readonly timeoutMs = 30_000,
  ) {}

  /** Every topic name, sorted. */
  async listTopics(): Promise<string[]> {
    const res = await this.cluster.metadata(null);
    return res.topics.filter((t) => t.errorCode === 0).map((t) => t.name).sort();
  }

  /** Partitions, leaders, replicas and ISR of each topic. Throws KafkaError for a topic that does not exist. */
  async describeTopics(names: string[]): Promise<TopicDescription[]> {
    if (names.length === 0) return [];
    const res = await this.cluster.metadata(names);
    return res.topics.map((t) => {
      check(t.errorCode, { topic: t.name });
      return {
        name: t.name,
        internal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes }))
          .sort((a, b) => a.partition - b.partition),
      };
    });
  }

  /** Creates a topic and waits until every partition has a leader. Throws KafkaError (TOPIC_ALREADY_EXISTS, …). */
  async createTopic(topic: NewTopic): Promise<TopicDescription> {
    const conn = await this.controller();
    const version = conn.version(CreateTopicsRequest, CREATE_TOPICS_VERSIONS);
    // -1 means "the broker's default" from v4 on; older brokers need numbers, and Kafka's defaults are 1 and 1.
    const unset = version >= 4 ? -1 : 1;
    const res = await conn.request(CreateTopicsRequest, CreateTopicsResponse, version, {
      topics: [
        {
          name: topic.name,
          numPartitions: topic.partitions ?? unset,
          replicationFactor: topic.replicationFactor ?? unset,
          assignments: [],
          configs: (topic.configs ?? []).map(([name, value]) => ({ name, value })),
        },
      ],
      timeoutMs: this.timeoutMs,
      validateOnly: false,
    });
    const result = res.topics.find((t) => t.name === topic.name);
    if (!result) throw kafkaError('UNKNOWN_SERVER_ERROR', { topic: topic.name }, 'the broker did not answer for this topic');
    check(result.errorCode, { topic: topic.name }, result.errorMessage);
    return this.waitForLeaders(topic.name);
  }

  /** Deletes a topic and its messages. Throws KafkaError (UNKNOWN_TOPIC_OR_PARTITION, …). */
  async deleteTopic(name: string): Promise<void> {
    const conn = await this.controller();
    const version = conn.version(DeleteTopicsRequest, DELETE_TOPICS_VERSIONS);
    const res = await conn.request(DeleteTopicsRequest, DeleteTopicsResponse, version, { topicNames: [name], topics: [], timeoutMs: this.timeoutMs });
    const result = res.responses.find((r) => r.name === name);
    if (!result) throw kafkaError('UNKNOWN_SERVER_ERROR', { topic: name }, 'the broker did not answer for this topic');
    check(result.errorCode, { topic: name }, result.errorMessage);
  }

  /** Grows a topic to `count` partitions (Kafka never shrinks one). */
  async createPartitions(topic: string, count: number): Promise<TopicDescription> {
    const conn = await this.controller();
    const version = conn.version(CreatePartitionsRequest, CREATE_PARTITIONS_VERSIONS);
    const res = await conn.request(CreatePartitionsRequest, CreatePartitionsResponse, version, {
      topics: [{ name: topic, count, assignments: null }],
      timeoutMs: this.timeoutMs,
      validateOnly: false,
    });
    const result = res.results.find((r) => r.name === topic);
    if (!result) throw kafkaError('UNKNOWN_SERVER_ERROR', { topic }, 'the broker did not answer for this topic');
    check(result.errorCode, { topic }, result.errorMessage);
    return this.waitForLeaders(topic);
  }

  /** Each topic's configs; a topic the broker refused to describe is left out of the map. */
  async describeTopicConfigs(names: string[]): Promise<Map<string, ConfigEntry[]>> {
    const conn = await this.cluster.anyConnection();
    const version = conn.version(DescribeConfigsRequest, DESCRIBE_CONFIGS_VERSIONS);
    const res = await conn.request(DescribeConfigsRequest, DescribeConfigsResponse, version, {
      resources: names.map((resourceName) => ({ resourceType: RESOURCE_TOPIC, resourceName, configurationKeys: null })),
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const out = new Map<string, ConfigEntry[]>();
    for (const r of res.results) {
      if (r.errorCode !== 0) continue;
      out.set(
        r.resourceName,
        r.configs.map((c) => ({
          name: c.name,
          value: c.value,
          isDefault: version === 0 ? c.isDefault : c.configSource !== SOURCE_TOPIC_CONFIG,
          isSensitive: c.isSensitive,
          readOnly: c.readOnly,
        })),
      );
    }
    return out;
  }

  /** The controller, which must receive CreateTopics and DeleteTopics on older Kafka; any broker on ours. */
  private async controller(): Promise<BrokerConnection> {
    const { controllerId } = await this.cluster.metadata([]);
    return controllerId >= 0 ? this.cluster.leader(controllerId) : this.cluster.anyConnection();
  }

  /** Polls metadata until every partition of a new topic has a leader (Kafka elects them asynchronously). */
  private async waitForLeaders(topic: string): Promise<TopicDescription> {
    const deadline = Date.now() + this.timeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      const [description] = await this.describeTopics([topic]).catch((err: unknown) => {
        if ((err as { retriable?: boolean }).retriable && Date.now() < deadline) return [undefined];
        throw err;
      });
      if (description && description.partitions.length > 0 && description.partitions.every((p) => p.leader >= 0)) return description;
      if (Date.now() >= deadline) throw kafkaError('LEADER_NOT_AVAILABLE', { topic }, `not every partition had a leader after ${Math.round(this.timeoutMs / 1000)} s`);
      await sleep(delay);
    }
  }
}
