// `tributary topics create|list|describe|delete` — plain Kafka admin requests, so they work against any cluster.
import { Command, Option } from 'commander';
import { collectKeyValue, parsePositiveInt, parseTopicName } from './args.js';
import { CliError } from './errors.js';
import { bootstrapOption, withAdmin } from './kafka-client.js';
import { describeTopics } from './topics-describe.js';

interface CommonOptions {
  bootstrap: string[];
}

interface CreateOptions extends CommonOptions {
  partitions?: number;
  replicationFactor?: number;
  config?: Array<[string, string]>;
}

function hasErrorType(err: unknown, type: string): boolean {
  const e = err as { type?: string; errors?: Array<{ type?: string }>; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return e.type === type || (e.errors ?? []).some((inner) => inner.type === type) || hasErrorType(e.cause, type);
}

/** kafkajs reports per-topic failures as an aggregate; the first one carries the broker's explanation. */
function firstTopicError(err: unknown): Error {
  const errors = (err as { errors?: Array<{ message: string; type?: string }> } | null)?.errors;
  if (!errors?.length) return err as Error;
  const [first] = errors;
  return new CliError(`${first!.message}${first!.type ? ` (${first!.type})` : ''}`);
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
      withAdmin({ bootstrap: opts.bootstrap, topic: name }, async (admin) => {
        let created: boolean;
        try {
          created = await admin.createTopics({
            waitForLeaders: true,
            topics: [
              {
                topic: name,
                numPartitions: opts.partitions,
                replicationFactor: opts.replicationFactor,
                configEntries: (opts.config ?? []).map(([configName, value]) => ({ name: configName, value })),
              },
            ],
          });
        } catch (err) {
          throw firstTopicError(err);
        }
        if (!created) throw new CliError(`topic "${name}" already exists — see it with \`tributary topics describe ${name}\``);
        const [topic] = (await admin.fetchTopicMetadata({ topics: [name] })).topics;
        const partitions = topic?.partitions.length ?? 0;
        const replicas = topic?.partitions[0]?.replicas.length ?? 0;
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
      withAdmin({ bootstrap: opts.bootstrap }, async (admin) => {
        const names = (await admin.listTopics()).sort();
        if (names.length > 0) process.stdout.write(`${names.join('\n')}\n`);
      }),
    );

  topics
    .command('describe')
    .description('show partitions, leaders, replicas, ISR, configs and offsets of one topic or all topics')
    .argument('[name]', 'topic name (default: all topics)', parseTopicName)
    .addOption(bootstrapOption())
    .action((name: string | undefined, opts: CommonOptions) =>
      withAdmin({ bootstrap: opts.bootstrap }, async (admin) => {
        const all = (await admin.listTopics()).sort();
        if (name !== undefined && !all.includes(name)) {
          throw new CliError(`topic "${name}" does not exist — list topics with \`tributary topics list\``);
        }
        process.stdout.write(await describeTopics(admin, name === undefined ? all : [name]));
      }),
    );

  topics
    .command('delete')
    .description('delete a topic and all its messages')
    .argument('<name>', 'topic name', parseTopicName)
    .addOption(bootstrapOption())
    .action((name: string, opts: CommonOptions) =>
      withAdmin({ bootstrap: opts.bootstrap }, async (admin) => {
        if (!(await admin.listTopics()).includes(name)) {
          throw new CliError(`topic "${name}" does not exist — list topics with \`tributary topics list\``);
        }
        try {
          await admin.deleteTopics({ topics: [name] });
        } catch (err) {
          if (hasErrorType(err, 'UNKNOWN_TOPIC_OR_PARTITION')) throw new CliError(`topic "${name}" does not exist`);
          throw firstTopicError(err);
        }
        process.stdout.write(`deleted topic "${name}"\n`);
      }),
    );
}
