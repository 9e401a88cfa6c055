// `tributary topics create|list|describe|delete` — plain Kafka admin requests, so they work against any cluster.
import { Command, Option } from 'commander';
import { collectKeyValue, parsePositiveInt, parseTopicName } from './args.js';
import { CliError } from './errors.js';
import { bootstrapOption, withClient } from './kafka-client.js';
import { describeTopics } from './topics-describe.js';

interface CommonOptions {
  bootstrap: string[];
}

interface CreateOptions extends CommonOptions {
  partitions?: number;
  replicationFactor?: number;
  config?: Array<[string, string]>;
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('create, list, describe and delete topics');

  topics
    .command('create')
    .description('create a topic')
    .argument('<name>', 'topic name', parseTopicName)
    // Left unset, the broker's defaults apply (Kafka's num.partitions / default.replication.factor).
    .addOption(new Option('--partitions <n>', 'number of partitions (default: the broker\'s)').argParser(parsePositiveInt))
    .addOption(
      new Option('--replication-factor <n>', 'copies of each partition (default: the broker\'s)').argParser(parsePositiveInt),
    )
    .option('--config <key=value>', 'topic config, e.g. retention.ms=86400000 (repeatable)', collectKeyValue)
    .addOption(bootstrapOption())
    .action((name: string, opts: CreateOptions) =>
      withClient(opts, { bootstrap: opts.bootstrap, topic: name }, async (client) => {
        const topic = await client.admin.createTopic({
          name,
          partitions: opts.partitions,
          replicationFactor: opts.replicationFactor,
          configs: opts.config ?? [],
        });
        const partitions = topic.partitions.length;
        const replicas = topic.partitions[0]?.replicas.length ?? 0;
        process.stdout.write(
          `created topic "${name}" with ${partitions} partition${partitions === 1 ? '' : 's'}, replication factor ${replicas}\n`,
        );
      }),
    );

  topics
    .command('list')
    .description('print topic names, one per line')
    .addOption(bootstrapOption())
    .action((opts: CommonOptions) =>
      withClient(opts, { bootstrap: opts.bootstrap }, async (client) => {
        const names = await client.admin.listTopics();
        if (names.length > 0) process.stdout.write(`${names.join('\n')}\n`);
      }),
    );

  topics
    .command('describe')
    .description('show partitions, leaders, replicas, ISR, configs and offsets of one topic or all topics')
    .argument('[name]', 'topic name (default: all topics)', parseTopicName)
    .addOption(bootstrapOption())
    .action((name: string | undefined, opts: CommonOptions) =>
      withClient(opts, { bootstrap: opts.bootstrap }, async (client) => {
        const all = await client.admin.listTopics();
        if (name !== undefined && !all.includes(name)) {
          throw new CliError(`topic "${name}" does not exist — list topics with \`tributary topics list\``);
        }
        process.stdout.write(await describeTopics(client, name === undefined ? all : [name]));
      }),
    );

  topics
    .command('delete')
    .description('delete a topic and all its messages')
    .argument('<name>', 'topic name', parseTopicName)
    .addOption(bootstrapOption())
    .action((name: string, opts: CommonOptions) =>
      withClient(opts, { bootstrap: opts.bootstrap }, async (client) => {
        if (!(await client.admin.listTopics()).includes(name)) {
          throw new CliError(`topic "${name}" does not exist — list topics with \`tributary topics list\``);
        }
        try {
          await client.admin.deleteTopic(name);
        } catch (err) {
          if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') throw new CliError(`topic "${name}" does not exist`);
          throw err;
        }
        process.stdout.write(`deleted topic "${name}"\n`);
      }),
    );
}
