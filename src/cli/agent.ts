// `tributary agent`: tail log files and collect host metrics, ship both to a Kafka broker (`tributary serve` or a
// real cluster), buffering on disk while the broker is unreachable. Runs until SIGTERM/SIGINT; see src/agent/.
import { Command, InvalidArgumentError, Option } from 'commander';
import * as config from '../agent/config.js';
import { parseTopicName } from './args.js';
import { exitWith } from './command-runner.js';
import { bootstrapOption } from './kafka-client.js';
import { addSecurityOptions, FLAG_NAMES, securitySpecOf, type SecurityFlags } from './security-options.js';

interface AgentFlags extends SecurityFlags {
  bootstrap: string[];
  config?: string;
  files?: string[];
  topic?: string;
  metricsTopic?: string;
  metricsInterval?: number;
  metrics: boolean;
  name?: string;
  dataDir?: string;
  startAt?: 'beginning' | 'end';
  multilineStart?: string;
  parse?: { json: boolean; level: boolean };
  maxBuffer?: number;
  compression?: 'none' | 'gzip';
}

/** Turns a config-module parser's error into commander's usage error (exit 2, one line naming the option). */
function usage<T>(parse: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return parse(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

const collect = (v: string, previous: string[] = []): string[] => [...previous, v];

export function registerAgent(program: Command): void {
  const agent = program
    .command('agent')
    .description('tail log files and collect host metrics, and ship them to a Kafka broker (buffering on disk while it is unreachable)')
    .addOption(bootstrapOption());
  // Not resolved on their own: they are merged with the config file's "security" first.
  addSecurityOptions(agent, false)
    .option('--config <file>', 'agent configuration file (JSON, or YAML when named .yaml/.yml); flags win over it')
    .option('--files <glob>', 'log files to tail (repeatable), e.g. "/var/log/app/*.log"', collect)
    .option('--topic <name>', 'topic for log lines (default logs)', parseTopicName)
    .option('--metrics-topic <name>', 'topic for host metrics (default metrics)', parseTopicName)
    .option('--metrics-interval <duration>', 'how often host metrics are collected (default 10s)', usage(durationOf))
    .option('--no-metrics', 'do not collect host metrics')
    .option('--name <name>', 'this agent\'s name: header "agent" and the data directory (default: the host name)')
    .option('--data-dir <dir>', 'checkpoints and disk buffer (default: <user data dir>/tributary-agent/<name>)')
    .addOption(new Option('--start-at <where>', 'where to start in files seen for the first time (default end)').choices(['beginning', 'end']))
    .option('--multiline-start <regex>', 'a line matching this starts a new record; other lines join the previous one')
    .option('--parse <list>', 'also parse from each line: json, level (comma-separated)', usage(parsersOf))
    .option('--max-buffer <size>', 'disk buffer bound; past it the agent stops reading (default 256MiB)', usage(sizeOf))
    .addOption(new Option('--compression <codec>', 'compress batches (default none)').choices(['none', 'gzip']))
    .action(async (flags: AgentFlags, command: Command) => {
      await runAgent(flags, command);
    });
}

const durationOf = (v: string): number => config.parseDurationMs(v);
const sizeOf = (v: string): number => config.parseSize(v);
const parsersOf = (v: string) => config.parseParsers(v);

async function runAgent(flags: AgentFlags, command: Command): Promise<void> {
  // Loaded here so other commands never load the agent's sources and shipper.
  const { Agent } = await import('../agent/agent.js');
  const { consoleLogger } = await import('../common/logger.js');
  const logger = consoleLogger('info');
  // SIGTERM/SIGINT: stop reading, flush (bounded), persist, exit 0. A second signal exits at once. Installed before
  // starting, so a signal during startup also ends in a clean stop.
  let signalled = false;
  let agent: import('../agent/agent.js').Agent | null = null;
  const stopAndExit = (): void => {
    if (!agent) return; // still starting: stopped as soon as it has
    void agent.stop().then(
      () => exitWith(0),
      (err: Error) => {
        logger.error(`stopping failed: ${err.message}`);
        return exitWith(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(130);
    signalled = true;
    logger.info(`${signal}: stopping — flushing records in flight`);
    stopAndExit();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const file = flags.config ? config.readConfigFile(flags.config) : {};
    const given = (name: string) => command.getOptionValueSource(name) === 'cli' || command.getOptionValueSource(name) === 'env';
    const fromFlags = config.checkKeys(
      {
        bootstrap: given('bootstrap') || file.bootstrap === undefined ? flags.bootstrap : undefined,
        files: flags.files,
        topic: flags.topic,
        metricsTopic: flags.metricsTopic,
        metricsIntervalMs: flags.metricsInterval,
        metrics: flags.metrics === false ? false : undefined,
        name: flags.name,
        dataDir: flags.dataDir,
        startAt: flags.startAt,
        multilineStart: flags.multilineStart,
        parse: flags.parse ? { ...flags.parse, timestamp: file.parse?.timestamp ?? true } : undefined,
        maxBufferBytes: flags.maxBuffer,
        compression: flags.compression,
        security: securitySpecOf(flags),
      },
      'the command line',
    );
    agent = await Agent.start(config.resolveAgentConfig(file, fromFlags, FLAG_NAMES), logger);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    if (process.env.TRIBUTARY_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return exitWith(err instanceof config.AgentConfigError || err instanceof InvalidArgumentError ? 2 : 1);
  }
  if (signalled) stopAndExit();
  const err = await agent.failed;
  if (signalled) return;
  logger.error(`agent stopping: ${err.message}`);
  await agent.stop().catch(() => undefined);
  return exitWith(1);
}
