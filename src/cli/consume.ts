// `tributary consume`: print a topic's messages. Group-less by default (nothing is created on the broker); with
// --group it joins that consumer group and commits.
import { Command, Option } from 'commander';
import { parseNonNegativeInt, parsePositiveInt, parseSince, parseTopicName } from './args.js';
import { abortOnSignals, runOnce } from './command-runner.js';
import { CliError, type ErrorContext } from './errors.js';
import { bootstrapOption, createClient } from './kafka-client.js';
import { OUTPUT_FORMATS, type OutputFormat } from './message-format.js';
import { LineWriter } from './output.js';
import { partitionRanges, startOffsets, type PartitionRange, type StartPosition } from './start-offsets.js';

interface ConsumeOptions {
  topic: string;
  fromBeginning?: boolean;
  offset?: number;
  since?: number;
  partition?: number;
  maxMessages?: number;
  follow?: boolean;
  format: OutputFormat;
  group?: string;
  bootstrap: string[];
}

function explicitStart(opts: ConsumeOptions): StartPosition | null {
  if (opts.fromBeginning) return { kind: 'beginning' };
  if (opts.offset !== undefined) return { kind: 'offset', offset: opts.offset };
  if (opts.since !== undefined) return { kind: 'timestamp', ms: opts.since };
  return null;
}

function selectPartitions(all: Map<number, PartitionRange>, topic: string, wanted?: number): Map<number, PartitionRange> {
  if (wanted === undefined) return all;
  const range = all.get(wanted);
  if (!range) {
    throw new CliError(`topic "${topic}" has no partition ${wanted}; it has partitions 0-${all.size - 1}`);
  }
  return new Map([[wanted, range]]);
}

async function consume(opts: ConsumeOptions): Promise<void> {
  const signal = abortOnSignals();
  const writer = new LineWriter();
  const client = await createClient(opts);
  try {
    if (!(await client.admin.listTopics()).includes(opts.topic)) {
      throw new CliError(`topic "${opts.topic}" does not exist — list topics with \`tributary topics list\``);
    }
    const ranges = selectPartitions(await partitionRanges(client, opts.topic), opts.topic, opts.partition);
    const follow = opts.follow ?? false;
    // Without --follow the useful default is "what is there now"; with it, "what arrives from now on" (tail -f).
    const fallbackStart = follow ? 'end' : 'beginning';
    const base = { topic: opts.topic, maxMessages: opts.maxMessages, format: opts.format };

    if (opts.group !== undefined) {
      const plan = { ...base, groupId: opts.group, ranges, explicitStart: explicitStart(opts), fallbackStart, follow } as const;
      const { consumeWithGroup } = await import('./consume-group.js');
      await consumeWithGroup(client, plan, writer, signal);
      return;
    }
    const start = await startOffsets(client, opts.topic, ranges, explicitStart(opts) ?? { kind: fallbackStart });
    const end = follow ? null : new Map([...ranges].map(([p, r]) => [p, r.high]));
    const { consumeDirect } = await import('./consume-direct.js');
    await consumeDirect(client, { ...base, start, end }, writer, signal);
  } finally {
    await client.close().catch(() => undefined);
  }
}

export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description('print messages from a topic, one per line (without --follow: up to the current end, then exit)')
    .requiredOption('--topic <name>', 'topic to read', parseTopicName)
    .addOption(
      new Option('--from-beginning', 'start at the oldest message (default unless --follow)').conflicts(['offset', 'since']),
    )
    .addOption(
      new Option('--offset <n>', 'start at this offset in each partition (clamped to what exists)')
        .argParser(parseNonNegativeInt)
        .conflicts('since'),
    )
    .addOption(
      new Option('--since <time>', 'start at messages from this time: ISO-8601, epoch ms, or ago (15m, 2h, 1d)').argParser(
        (value: string) => parseSince(value),
      ),
    )
    .addOption(new Option('--partition <p>', 'read only this partition').argParser(parseNonNegativeInt).conflicts('group'))
    .addOption(new Option('--max-messages <n>', 'exit after printing this many messages').argParser(parsePositiveInt))
    .option('--follow', 'keep waiting for new messages until Ctrl-C (starts at the end unless told otherwise)')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('text'))
    .option('--group <id>', 'join this consumer group, resume from its committed offsets and commit what is printed')
    .addOption(bootstrapOption())
    .action((opts: ConsumeOptions) => {
      const context: ErrorContext = { bootstrap: opts.bootstrap, topic: opts.topic };
      return runOnce(context, () => consume(opts));
    });
}
