// `tributary export`: a topic, or what a search matches in it, to a capture file (one record per NDJSON line, bytes
// kept exactly), which `tributary import` replays into any cluster. Reads through the Kafka protocol, so it works
// against the embedded broker and any Kafka cluster alike.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command, InvalidArgumentError, Option } from 'commander';
import { compileQuery, QuerySyntaxError, type CompiledQuery } from '../query/language/index.js';
import { parseNonNegativeInt, parseSince, parseTopicName } from './args.js';
import { abortOnSignals, runOnce } from './command-runner.js';
import { consumeDirect } from './consume-direct.js';
import { CliError, type ErrorContext } from './errors.js';
import { bootstrapOption, createClient } from './kafka-client.js';
import { LineWriter } from './output.js';
import { partitionRanges, startOffsets } from './start-offsets.js';

interface ExportOptions {
  topic: string;
  partition?: number;
  since?: number;
  until?: number;
  query?: CompiledQuery;
  output?: string;
  bootstrap: string[];
}

const PROGRESS_EVERY_MS = 1000;

/** The query compiled while the arguments are read, so a syntax error is a usage error (exit 2) naming the spot. */
function parseQuery(text: string): CompiledQuery {
  try {
    return compileQuery(text);
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

async function exportTopic(opts: ExportOptions): Promise<void> {
  const query = opts.query ?? null;
  if (opts.since !== undefined && opts.until !== undefined && opts.until < opts.since) throw new CliError('--until is before --since: nothing to export');
  const signal = abortOnSignals();
  const file = opts.output === undefined || opts.output === '-' ? null : createWriteStream(opts.output, { flags: 'wx', mode: 0o600 });
  if (file) await once(file, 'open').catch((e: Error) => Promise.reject(new CliError(`cannot write ${opts.output}: ${e.message}`)));
  const client = await createClient(opts);
  const started = Date.now();
  let lastProgress = started;
  let count = 0;
  try {
    if (!(await client.admin.listTopics()).includes(opts.topic)) {
      throw new CliError(`topic "${opts.topic}" does not exist — list topics with \`tributary topics list\``);
    }
    const all = await partitionRanges(client, opts.topic);
    if (opts.partition !== undefined && !all.has(opts.partition)) throw new CliError(`topic "${opts.topic}" has no partition ${opts.partition}; it has partitions 0-${all.size - 1}`);
    const ranges = opts.partition === undefined ? all : new Map([[opts.partition, all.get(opts.partition)!]]);
    const start = await startOffsets(client, opts.topic, ranges, opts.since === undefined ? { kind: 'beginning' } : { kind: 'timestamp', ms: opts.since });
    // The end: what the log holds now, or sooner, the first record after --until (ListOffsets by time, as Kafka
    // answers it), so a small window of a large topic reads only that window.
    const end = new Map([...ranges].map(([p, r]) => [p, r.high]));
    if (opts.until !== undefined) {
      for (const [p, o] of await startOffsets(client, opts.topic, ranges, { kind: 'timestamp', ms: opts.until + 1 })) end.set(p, Math.min(end.get(p)!, o));
    }
    const until = opts.until;
    const topic = opts.topic;
    const toFile = file !== null;
    count = await consumeDirect(
      client,
      {
        topic,
        start,
        end,
        format: 'capture',
        keep: (partition, r) => (until === undefined || r.timestamp <= until) && (query === null || query.matches({ topic, partition, ...r })),
        onProgress: (n) => {
          if (!toFile || Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = Date.now();
          process.stderr.write(`exported ${n} records…\n`);
        },
      },
      new LineWriter(file ?? process.stdout),
      signal,
    );
  } finally {
    await client.close().catch(() => undefined);
    if (file) {
      file.end();
      await once(file, 'close').catch(() => undefined);
    }
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`exported ${count} record${count === 1 ? '' : 's'} from ${opts.topic}${file ? ` to ${opts.output}` : ''} in ${secs} s\n`);
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a topic, or the records a query matches, to a capture file (NDJSON; keys, headers, timestamps and bytes kept) that `tributary import` replays')
    .requiredOption('--topic <name>', 'topic to export', parseTopicName)
    .addOption(new Option('--partition <p>', 'only this partition').argParser(parseNonNegativeInt))
    .option('--since <time>', 'from this time on: ISO-8601, epoch ms, or that long ago (30s 15m 2h 1d 1w)', (v: string) => parseSince(v))
    .option('--until <time>', 'up to and including this time (same forms)', (v: string) => parseSince(v))
    .option('--query <q>', 'only records matching this search query (the search language: words, field:value, level:error, /regex/ …)', parseQuery)
    .option('--output <file>', 'write here (created; never overwritten) instead of stdout')
    .addOption(bootstrapOption())
    .action((opts: ExportOptions) => {
      const context: ErrorContext = { bootstrap: opts.bootstrap, topic: opts.topic };
      return runOnce(context, () => exportTopic(opts));
    });
}
