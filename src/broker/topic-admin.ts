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
 * Topic creations allowed per second, in bursts of two seconds' worth (a token bucket). Each creation is synchronous:
 * mkdirs, then the whole topic metadata rewritten and fsynced (about 25 ms on a busy disk), so a client naming
 * thousands of new topics must not get them all at once.
 */
class CreationRate {
  private tokens: number;
  private at: number;
  private readonly burst: number;

  constructor(private readonly perSecond: number, now = Date.now()) {
    this.burst = 2 * perSecond;
    this.tokens = this.burst;
    this.at = now;
  }

  available(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    return this.tokens >= 1;
  }

  take(now = Date.now()): boolean {
    if (!this.available(now)) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The broker's TopicAdmin: topic lifecycle on the LogManager, with the broker's limits and policies. */
export class BrokerTopicAdmin implements TopicAdmin {
  private readonly creations: CreationRate;
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
    this.creations = new CreationRate(config.topicCreationsPerSecond);
    this.refused = new ThrottledWarning(logger);
  }

  get defaultPartitions(): number {
    return this.config.defaultPartitions;
  }

  async topicForWrite(name: string, allowAutoCreate: boolean): Promise<TopicInfo | undefined> {
    const t = this.logs.getTopic(name);
    if (t || !allowAutoCreate || !this.config.autoCreateTopics) return t;
    // Throttled names fail before any work; a bad or colliding name fails before it costs a token.
    if (!this.creations.available()) throw this.throttled(name, 'LEADER_NOT_AVAILABLE');
    this.logs.validateTopic(name, this.config.defaultPartitions);
    this.checkPartitionLimit(name, this.config.defaultPartitions);
    this.creations.take();
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
    if (!this.creations.take()) throw this.throttled(name, 'THROTTLING_QUOTA_EXCEEDED');
    const created = this.logs.createTopic(name, partitions, overrides);
    this.logger.info(`created topic ${name} with ${partitions} partition(s)`);
    return created;
  }

  alterTopicConfig(name: string, changes: Record<string, string | null>, validateOnly = false): TopicInfo {
    const set: Record<string, string> = {};
    for (const [k, v] of Object.entries(changes)) if (v !== null) set[k] = v;
    const low = belowTopicConfigMinimum(set);
    if (low) throw new StorageError(`Invalid config for topic ${name}: ${low}`, 'INVALID_CONFIG');
    const info = this.logs.alterTopicConfig(name, changes, { validateOnly });
    if (!validateOnly) this.logger.info(`changed the config of topic ${name}: ${Object.entries(changes).map(([k, v]) => `${k}=${v ?? '(default)'}`).join(', ')}`);
    return info;
  }

  createPartitions(name: string, count: number, validateOnly = false): TopicInfo {
    const topic = this.logs.getTopic(name);
    if (topic && count > topic.partitions) this.checkPartitionLimit(name, count - topic.partitions);
    if (validateOnly && topic) return topic;
    const info = this.logs.createPartitions(name, count);
    this.logger.info(`topic ${name} now has ${count} partitions`);
    return info;
  }

  private throttled(name: string, code: 'LEADER_NOT_AVAILABLE' | 'THROTTLING_QUOTA_EXCEEDED'): KafkaProtocolError {
    const why = `topic creation is limited to ${this.config.topicCreationsPerSecond} per second (topicCreationsPerSecond); ${name} is not created yet, retry shortly`;
    this.refused.warn(why);
    return new KafkaProtocolError(code, why);
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

  /** Committed offsets go at once, not after the topic's files are gone. */
  async deleteTopic(name: string): Promise<void> {
    const filesRemoved = this.logs.deleteTopic(name);
    await this.forgetOffsets(name);
    await filesRemoved;
    this.logger.info(`deleted topic ${name}`);
  }

  describeTopicConfigs(topic: TopicInfo): ConfigEntry[] {
    return describeTopicConfigs(topic, this.topicDefaults);
  }

  describeBrokerConfigs(): ConfigEntry[] {
    return describeBrokerConfigs(this.config, this.topicDefaults);
  }
}
