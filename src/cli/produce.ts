// `tributary produce`: send each line of stdin as one message, like Kafka's console producer.
import { Command, Option } from 'commander';
import kafkajs from 'kafkajs';
import type { CompressionTypes as CompressionType, IHeaders, Kafka } from 'kafkajs';
import { collectKeyValue, parseNonNegativeInt, parseTopicName } from './args.js';
import { abortOnSignals, runOnce } from './command-runner.js';
import { CliError, type ErrorContext } from './errors.js';
import { bootstrapOption, createKafka } from './kafka-client.js';
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

const COMPRESSION: Record<ProduceOptions['compression'], CompressionType> = {
  none: kafkajs.CompressionTypes.None,
  gzip: kafkajs.CompressionTypes.GZIP,
};

/** Repeated header names become a list, which Kafka allows and kafkajs encodes as separate headers. */
function toHeaders(pairs: Array<[string, string]>): IHeaders | undefined {
  if (pairs.length === 0) return undefined;
  const headers: Record<string, string[]> = {};
  for (const [key, value] of pairs) (headers[key] ??= []).push(value);
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
}

/** kafkajs silently drops messages addressed to a partition it has no metadata for, so check before sending. */
async function checkPartitionExists(kafka: Kafka, topic: string, partition: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      throw new CliError(`topic "${topic}" does not exist — create it with \`tributary topics create ${topic}\``);
    }
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const count = metadata?.partitions.length ?? 0;
    if (partition >= count) {
      throw new CliError(`topic "${topic}" has no partition ${partition}; it has partitions 0-${count - 1}`);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function produce(opts: ProduceOptions): Promise<void> {
  const kafka = createKafka(opts.bootstrap);
  if (opts.partition !== undefined) await checkPartitionExists(kafka, opts.topic, opts.partition);
  // Whether an unknown topic is created is the broker's decision (its autoCreateTopics), as with any Kafka producer.
  const producer = kafka.producer({
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  let sent = 0;
  let finished = false;
  try {
    const headers = toHeaders(opts.header ?? []);
    // Ctrl-C ends input like end-of-file: lines already read are still sent and counted.
    for await (const lines of lineBatches(process.stdin, undefined, abortOnSignals())) {
      await producer.send({
        topic: opts.topic,
        acks: Number(opts.acks),
        compression: COMPRESSION[opts.compression],
        messages: lines.map((value) => ({ value, key: opts.key, headers, partition: opts.partition })),
      });
      sent += lines.length;
    }
    finished = true;
  } finally {
    await producer.disconnect().catch(() => undefined);
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
