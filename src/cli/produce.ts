// `tributary produce`: send each line of stdin as one message, like Kafka's console producer.
import { Command, Option } from 'commander';
import type { KafkaClient } from '../client/client.js';
import { collectKeyValue, parseNonNegativeInt, parseTopicName } from './args.js';
import { abortOnSignals, runOnce } from './command-runner.js';
import { CliError, type ErrorContext } from './errors.js';
import { bootstrapOption, createClient } from './kafka-client.js';
import { lineBatches } from './line-batches.js';

interface ProduceOptions {
  topic: string;
  key?: string;
  header?: Array<[string, string]>;
  partition?: number;
  acks: '-1' | '0' | '1';
  compression: 'none' | 'gzip';
  bootstrap: string[];
}

/** An explicit --partition must exist: say so before reading stdin rather than failing on the first send. */
async function checkPartitionExists(client: KafkaClient, topic: string, partition: number): Promise<void> {
  if (!(await client.admin.listTopics()).includes(topic)) {
    throw new CliError(`topic "${topic}" does not exist — create it with \`tributary topics create ${topic}\``);
  }
  const [description] = await client.admin.describeTopics([topic]);
  const count = description?.partitions.length ?? 0;
  if (partition >= count) {
    throw new CliError(`topic "${topic}" has no partition ${partition}; it has partitions 0-${count - 1}`);
  }
}

async function produce(opts: ProduceOptions): Promise<void> {
  const client = await createClient(opts);
  let sent = 0;
  let finished = false;
  try {
    if (opts.partition !== undefined) await checkPartitionExists(client, opts.topic, opts.partition);
    // Whether an unknown topic is created is the broker's decision (its autoCreateTopics), as with any Kafka producer.
    const producer = client.producer({ acks: Number(opts.acks) as -1 | 0 | 1, compression: opts.compression });
    // Repeated header names are kept as separate headers, which Kafka allows.
    const headers = opts.header ?? [];
    // Ctrl-C ends input like end-of-file: lines already read are still sent and counted.
    for await (const lines of lineBatches(process.stdin, undefined, abortOnSignals())) {
      await producer.send(
        opts.topic,
        lines.map((value) => ({ value, key: opts.key ?? null, headers, partition: opts.partition })),
      );
      sent += lines.length;
    }
    finished = true;
  } finally {
    await client.close().catch(() => undefined);
    // Also after a failure, so the user knows how much got through before it.
    if (finished || sent > 0) process.stderr.write(`produced ${sent} message${sent === 1 ? '' : 's'} to ${opts.topic}\n`);
  }
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('send each line of stdin as one message')
    .requiredOption('--topic <name>', 'topic to write to', parseTopicName)
    .option('--key <key>', 'key for every message (same key → same partition)')
    .option('--header <key=value>', 'header for every message (repeatable)', collectKeyValue)
    .addOption(new Option('--partition <p>', 'write to this partition instead of choosing by key').argParser(parseNonNegativeInt))
    .addOption(new Option('--acks <acks>', 'acknowledgements: -1 all in-sync replicas, 1 leader, 0 none').choices(['-1', '0', '1']).default('-1'))
    .addOption(new Option('--compression <codec>', 'compress batches').choices(['none', 'gzip']).default('none'))
    .addOption(bootstrapOption())
    .action((opts: ProduceOptions) => {
      const context: ErrorContext = { bootstrap: opts.bootstrap, topic: opts.topic };
      return runOnce(context, () => produce(opts));
    });
}
