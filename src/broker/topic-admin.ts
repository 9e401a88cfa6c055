import type { Logger } from '../common/logger.js';
import type { LogManager } from '../storage/index.js';
import type { TopicConfig, TopicInfo } from '../storage/types.js';
import type { BrokerConfig } from './config.js';
import type { TopicAdmin } from './services.js';
import { describeBrokerConfigs, describeTopicConfigs, type ConfigEntry } from './topic-configs.js';

/** The broker's TopicAdmin: topic lifecycle on the LogManager, with the broker's policies. */
export class BrokerTopicAdmin implements TopicAdmin {
  constructor(
    private readonly logs: LogManager,
    private readonly config: BrokerConfig,
    /** Kafka's topic defaults overridden by the broker config's topicDefaults. */
    private readonly topicDefaults: TopicConfig,
    /** Forgets every group's committed offsets for a deleted topic. */
    private readonly forgetOffsets: (topic: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  get defaultPartitions(): number {
    return this.config.defaultPartitions;
  }

  async topicForWrite(name: string, allowAutoCreate: boolean): Promise<TopicInfo | undefined> {
    const t = this.logs.getTopic(name);
    if (t || !allowAutoCreate || !this.config.autoCreateTopics) return t;
    const created = this.logs.createTopic(name, this.config.defaultPartitions, {});
    this.logger.info(`auto-created topic ${name} with ${created.partitions} partition(s)`);
    return created;
  }

  createTopic(name: string, partitions: number, overrides: Record<string, string>, validateOnly: boolean): TopicInfo {
    if (validateOnly) return this.logs.validateTopic(name, partitions, overrides);
    const info = this.logs.createTopic(name, partitions, overrides);
    this.logger.info(`created topic ${name} with ${partitions} partition(s)`);
    return info;
  }

  createPartitions(name: string, count: number): TopicInfo {
    const info = this.logs.createPartitions(name, count);
    this.logger.info(`topic ${name} now has ${count} partitions`);
    return info;
  }

  async deleteTopic(name: string): Promise<void> {
    await this.logs.deleteTopic(name);
    await this.forgetOffsets(name);
    this.logger.info(`deleted topic ${name}`);
  }

  describeTopicConfigs(topic: TopicInfo): ConfigEntry[] {
    return describeTopicConfigs(topic, this.topicDefaults);
  }

  describeBrokerConfigs(): ConfigEntry[] {
    return describeBrokerConfigs(this.config, this.topicDefaults);
  }
}
