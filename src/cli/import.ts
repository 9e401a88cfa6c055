// `tributary import`: replays a capture file (what `export`, the UI's NDJSON exports, `consume --format json|capture`
// or `kcat -J` wrote) into a topic of any cluster, keys, headers and timestamps kept. Streams the file: memory holds
// one batch, however large the capture.
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { Command, Option } from 'commander';
import type { KafkaClient } from '../client/client.js';
import type { ProducerRecord } from '../client/producer.js';
import { CaptureLineError, parseCaptureLine } from '../common/record-capture.js';
import { parseTopicName } from './args.js';
import { abortOnSignals, runOnce } from './command-runner.js';
import { CliError, type ErrorContext } from './errors.js';
import { bootstrapOption, createClient } from './kafka-client.js';
import { lineBatches } from './line-batches.js';

interface ImportOptions {
  topic?: string;
  partitions: 'keep' | 'key';
  timestamps: 'keep' | 'now';
  compression: 'none' | 'gzip';
  bootstrap: string[];
}

const PROGRESS_EVERY_MS = 1000;

/** Partition counts of the topics written to, looked up once each; a missing topic is an error that says what to run. */
class TargetTopics {
  private readonly counts = new Map<string, number>();
  constructor(private readonly client: KafkaClient) {}

  async partitions(topic: string, needed: number, keep: boolean): Promise<number> {
    let count = this.counts.get(topic);
    if (count === undefined) {
      const [d] = (await this.client.admin.listTopics()).includes(topic) ? await this.client.admin.describeTopics([topic]) : [];
      if (!d) throw new CliError(`topic "${topic}" does not exist — create it first, with as many partitions as the exported topic had (records go back to their own partition): tributary topics create ${topic} --partitions N`);
      count = d.partitions.length;
      this.counts.set(topic, count);
    }
    if (keep && needed > count) {
      throw new CliError(`the capture has records of partition ${needed - 1} but topic "${topic}" has ${count} partition${count === 1 ? '' : 's'}; add partitions, or import with --partitions key to place records by key`);
    }
    return count;
  }
}

async function importFile(file: string, opts: ImportOptions): Promise<void> {
  const input: Readable = file === '-' ? process.stdin : createReadStream(file);
  if (file !== '-') await once(input, 'open').catch((e: Error) => Promise.reject(new CliError(`cannot read ${file}: ${e.message}`)));
  const client = await createClient(opts);
  const producer = client.producer({ compression: opts.compression });
  const targets = new TargetTopics(client);
  const started = Date.now();
  let lastProgress = started;
  let lineNo = 0;
  let sent = 0;
  const perTopic = new Map<string, number>();
  try {
    for await (const lines of lineBatches(input, undefined, abortOnSignals())) {
      const byTopic = new Map<string, ProducerRecord[]>();
      for (const line of lines) {
        lineNo++;
        if (line.trim() === '') continue;
        let r;
        try {
          r = parseCaptureLine(line, lineNo);
        } catch (e) {
          if (e instanceof CaptureLineError) throw new CliError(`${file === '-' ? 'stdin' : file} ${e.message}; nothing after it was imported (${sent} records before it were)`);
          throw e;
        }
        const topic = opts.topic ?? r.topic;
        if (topic === undefined) throw new CliError(`${file} line ${lineNo}: the record names no topic; give one with --topic`);
        const keep = opts.partitions === 'keep' && r.partition !== undefined;
        await targets.partitions(topic, keep ? r.partition! + 1 : 1, keep);
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({
          key: r.key,
          value: r.value,
          headers: r.headers,
          partition: keep ? r.partition : undefined,
          timestamp: opts.timestamps === 'keep' && r.timestamp !== undefined && r.timestamp >= 0 ? r.timestamp : undefined,
        });
      }
      for (const [topic, records] of byTopic) {
        await producer.send(topic, records);
        sent += records.length;
        perTopic.set(topic, (perTopic.get(topic) ?? 0) + records.length);
      }
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        process.stderr.write(`imported ${sent} records…\n`);
      }
    }
  } finally {
    await client.close().catch(() => undefined);
    const into = [...perTopic].map(([t, n]) => `${n} into ${t}`).join(', ');
    process.stderr.write(`imported ${sent} record${sent === 1 ? '' : 's'}${into ? ` (${into})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .argument('<file>', 'the capture: NDJSON, one record per line ("-" for stdin)')
    .description('replay a capture (from `tributary export`, an NDJSON export of the UI, `consume --format json|capture` or `kcat -J`) into a topic; keys, headers and timestamps kept')
    .option('--topic <name>', 'write every record here (default: the topic each record names)', parseTopicName)
    .addOption(new Option('--partitions <how>', 'keep: each record to its original partition (the topic needs as many); key: by key, as a producer would').choices(['keep', 'key']).default('keep'))
    .addOption(new Option('--timestamps <how>', "keep: the records' own timestamps; now: the time of the import").choices(['keep', 'now']).default('keep'))
    .addOption(new Option('--compression <codec>', 'compress batches').choices(['none', 'gzip']).default('none'))
    .addOption(bootstrapOption())
    .action((file: string, opts: ImportOptions) => {
      const context: ErrorContext = { bootstrap: opts.bootstrap, topic: opts.topic };
      return runOnce(context, () => importFile(file, opts));
    });
}
