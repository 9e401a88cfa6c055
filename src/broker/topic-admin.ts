import type { Logger } from '../common/logger.js';
import { KafkaProtocolError } from '../protocol/errors.js';
import { StorageError, type LogManager } from '../storage/index.js';
import type { TopicConfig, TopicInfo } from '../storage/types.js';
import type { BrokerConfig } from './config.js';
import { belowTopicConfigMinimum } from './limits.js';
import type { TopicAdmin } from './services.js';
import { ThrottledWarning } from './throttled-warning.js';
import { describeBrokerConfigs, describeTopicConfigs, type ConfigEntry } from './topic-configs.js';

/**
 * Auto-creations allowed per second, with a burst of as many: each creation is a synchronous mkdir, fsyncs and a
 * rewrite of the topic metadata, so a client naming thousands of new topics must not get them all at once.
 */
class CreationRate {
  private tokens: number;
  private at: number;

  constructor(private readonly perSecond: number, now = Date.now()) {
    this.tokens = perSecond;
    this.at = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The broker's TopicAdmin: topic lifecycle on the LogManager, with the broker's limits and policies. */
export class BrokerTopicAdmin implements TopicAdmin {
  private readonly autoCreations: CreationRate;
  private readonly refused: ThrottledWarning;

  constructor(
    private readonly logs: LogManager,
    private readonly config: BrokerConfig,
    /** Kafka's topic defaults overridden by the broker config's topicDefaults. */
    private readonly topicDefaults: TopicConfig,
    /** Forgets every group's committed offsets for a deleted topic. */
    private readonly forgetOffsets: (topic: string) => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.autoCreations = new CreationRate(config.autoCreateTopicsPerSecond);
    this.refused = new ThrottledWarning(logger);
  }

  get defaultPartitions(): number {
    return this.config.defaultPartitions;
  }

  async topicForWrite(name: string, allowAutoCreate: boolean): Promise<TopicInfo | undefined> {
    const t = this.logs.getTopic(name);
    if (t || !allowAutoCreate || !this.config.autoCreateTopics) return t;
    this.logs.validateTopic(name, this.config.defaultPartitions); // a bad or colliding name fails before it costs a token
    this.checkPartitionLimit(name, this.config.defaultPartitions);
    if (!this.autoCreations.take()) {
      const why = `auto-creation is limited to ${this.config.autoCreateTopicsPerSecond} topics per second (autoCreateTopicsPerSecond); topic ${name} is not created yet, retry`;
      this.refused.warn(why);
      throw new KafkaProtocolError('LEADER_NOT_AVAILABLE', why);
    }
    const created = this.logs.createTopic(name, this.config.defaultPartitions, {});
    this.logger.info(`auto-created topic ${name} with ${created.partitions} partition(s)`);
    return created;
  }

  createTopic(name: string, partitions: number, overrides: Record<string, string>, validateOnly: boolean): TopicInfo {
    const low = belowTopicConfigMinimum(overrides);
    if (low) throw new StorageError(`Invalid config for topic ${name}: ${low}`, 'INVALID_CONFIG');
    const info = this.logs.validateTopic(name, partitions, overrides);
    this.checkPartitionLimit(name, partitions);
    if (validateOnly) return info;
    const created = this.logs.createTopic(name, partitions, overrides);
    this.logger.info(`created topic ${name} with ${partitions} partition(s)`);
    return created;
  }

  createPartitions(name: string, count: number): TopicInfo {
    const current = this.logs.getTopic(name)?.partitions ?? 0;
    if (count > current) this.checkPartitionLimit(name, count - current);
    const info = this.logs.createPartitions(name, count);
    this.logger.info(`topic ${name} now has ${count} partitions`);
    return info;
  }

  /** maxPartitions: what one broker keeps open and checks on every start is bounded. */
  private checkPartitionLimit(name: string, adding: number): void {
    let total = 0;
    for (const t of this.logs.listTopics()) total += t.partitions;
    const max = this.config.maxPartitions;
    if (total + adding <= max) return;
    const why = `topic ${name} would bring the broker to ${total + adding} partitions, more than maxPartitions (${max}); delete unused topics or raise maxPartitions in the broker config`;
    this.refused.warn(why);
    throw new KafkaProtocolError('POLICY_VIOLATION', why);
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
