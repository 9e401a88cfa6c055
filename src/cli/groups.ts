// `tributary groups list|describe|delete|reset-offsets` — consumer groups and their committed offsets, through plain
// Kafka admin requests, so they work against any cluster (what Kafka's kafka-consumer-groups.sh does).
import { Command, InvalidArgumentError, Option } from 'commander';
import type { KafkaClient } from '../client/client.js';
import { parseNonNegativeInt, parseSince, parseTopicName } from './args.js';
import { CliError } from './errors.js';
import { bootstrapOption, withClient } from './kafka-client.js';
import type { StartPosition } from './start-offsets.js';
import { formatTable } from './table.js';

type Format = 'text' | 'json';

interface CommonOptions {
  bootstrap: string[];
}

interface GroupOptions extends CommonOptions {
  group: string;
}

interface ResetOptions extends GroupOptions {
  topic: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: number;
  toTime?: number;
  dryRun?: boolean;
}

/** Kafka accepts any non-empty group id. */
function parseGroupId(input: string): string {
  if (input === '') throw new InvalidArgumentError('a group id cannot be empty.');
  return input;
}

const groupOption = (): Option => new Option('--group <id>', 'consumer group id').argParser(parseGroupId).makeOptionMandatory();
const formatOption = (): Option => new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

async function listGroups(client: KafkaClient, format: Format): Promise<void> {
  const ids = (await client.groups.listGroups()).map((g) => g.groupId);
  // ListGroups before v4 has no state; DescribeGroups does.
  const described = (await client.groups.describeGroups(ids)).filter((g) => g.state !== 'Dead');
  const groups = described
    .map((g) => ({ groupId: g.groupId, state: g.state, protocolType: g.protocolType }))
    .sort((a, b) => a.groupId.localeCompare(b.groupId));
  if (format === 'json') process.stdout.write(json(groups));
  else process.stdout.write(formatTable(['GROUP', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.state, g.protocolType || null])));
}

async function deleteGroup(client: KafkaClient, groupId: string): Promise<void> {
  const { describeGroupState } = await import('./groups-describe.js');
  const { members } = await describeGroupState(client, groupId);
  if (members.length > 0) {
    throw new CliError(`group "${groupId}" is not empty: it has ${members.length} active member${members.length === 1 ? '' : 's'}; stop them first`);
  }
  // NON_EMPTY_GROUP / GROUP_ID_NOT_FOUND from a race are explained by describeError (it knows the group).
  await client.groups.deleteGroup(groupId);
  process.stdout.write(`deleted group "${groupId}"\n`);
}

function resetTarget(opts: ResetOptions): StartPosition | null {
  if (opts.toEarliest) return { kind: 'beginning' };
  if (opts.toLatest) return { kind: 'end' };
  if (opts.toOffset !== undefined) return { kind: 'offset', offset: opts.toOffset };
  if (opts.toTime !== undefined) return { kind: 'timestamp', ms: opts.toTime };
  return null;
}

async function resetOffsets(client: KafkaClient, opts: ResetOptions, target: StartPosition): Promise<void> {
  const { assertGroupInactive, commitReset, formatReset, planReset } = await import('./groups-reset.js');
  await assertGroupInactive(client, opts.group);
  const rows = await planReset(client, opts.group, opts.topic, target);
  if (!opts.dryRun) await commitReset(client, opts.group, rows);
  process.stdout.write(formatReset(opts.group, rows));
  if (opts.dryRun) process.stderr.write('dry run: no offsets were changed; run again without --dry-run to apply\n');
}

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list, describe, delete consumer groups and reset their offsets');

  groups
    .command('list')
    .description('list consumer groups with their state and protocol type')
    .addOption(formatOption())
    .addOption(bootstrapOption())
    .action((opts: CommonOptions & { format: Format }) =>
      withClient(opts, { bootstrap: opts.bootstrap }, (client) => listGroups(client, opts.format)),
    );

  groups
    .command('describe')
    .description("show a group's state, members, and per partition its committed offset, log end offset and lag")
    .addOption(groupOption())
    .addOption(formatOption())
    .addOption(bootstrapOption())
    .action((opts: GroupOptions & { format: Format }) =>
      withClient(opts, { bootstrap: opts.bootstrap, group: opts.group }, async (client) => {
        const { describeGroup, formatGroup } = await import('./groups-describe.js');
        const view = await describeGroup(client, opts.group);
        process.stdout.write(opts.format === 'json' ? json(view) : formatGroup(view));
      }),
    );

  groups
    .command('delete')
    .description('delete a group and its committed offsets (only when it has no active members)')
    .addOption(groupOption())
    .addOption(bootstrapOption())
    .action((opts: GroupOptions) =>
      withClient(opts, { bootstrap: opts.bootstrap, group: opts.group }, (client) => deleteGroup(client, opts.group)),
    );

  const targets = ['toEarliest', 'toLatest', 'toOffset', 'toTime'];
  const exclusive = (name: string): string[] => targets.filter((t) => t !== name);
  groups
    .command('reset-offsets')
    .description("move a group's committed offsets on one topic (only when it has no active members)")
    .addOption(groupOption())
    .requiredOption('--topic <name>', 'topic whose offsets to move', parseTopicName)
    .addOption(new Option('--to-earliest', 'to the oldest message still stored').conflicts(exclusive('toEarliest')))
    .addOption(new Option('--to-latest', 'to the end: skip everything stored now').conflicts(exclusive('toLatest')))
    .addOption(
      new Option('--to-offset <n>', 'to this offset in every partition (clamped to what exists)')
        .argParser(parseNonNegativeInt)
        .conflicts(exclusive('toOffset')),
    )
    .addOption(
      new Option('--to-time <time>', 'to the first message at or after this time: ISO-8601, epoch ms, or ago (15m, 2h, 1d)')
        .argParser((value: string) => parseSince(value))
        .conflicts(exclusive('toTime')),
    )
    .option('--dry-run', 'print the new offsets without changing anything')
    .addOption(bootstrapOption())
    .action((opts: ResetOptions, command: Command) => {
      const target = resetTarget(opts);
      if (target === null) command.error('error: say where to move the offsets: --to-earliest, --to-latest, --to-offset <n> or --to-time <time>');
      return withClient(opts, { bootstrap: opts.bootstrap, topic: opts.topic, group: opts.group }, (client) => resetOffsets(client, opts, target));
    });
}
