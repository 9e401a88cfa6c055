// One place that decides how the CLI talks to a cluster: which brokers, how patient to be, and where kafkajs logs go.
import kafkajs from 'kafkajs';
import type { Admin, Kafka, logCreator } from 'kafkajs';
import { Option } from 'commander';
import { parseBootstrap } from './args.js';
import { runOnce } from './command-runner.js';
import type { ErrorContext } from './errors.js';

export const DEFAULT_BOOTSTRAP = 'localhost:9092';
export const BOOTSTRAP_ENV = 'TRIBUTARY_BOOTSTRAP';

/** `--bootstrap` for every command that talks to a cluster; the env var lets scripts set it once. */
export function bootstrapOption(): Option {
  return new Option('--bootstrap <host:port>', 'broker(s) to connect to, comma-separated')
    .env(BOOTSTRAP_ENV)
    .argParser((value: string) => parseBootstrap(value))
    .default([DEFAULT_BOOTSTRAP], DEFAULT_BOOTSTRAP);
}

// kafkajs logs to stdout by default, which would corrupt `consume` output. It stays silent unless the user asks with
// kafkajs's own KAFKAJS_LOG_LEVEL=error|warn|info|debug, and then writes to stderr.
export const stderrLogger: logCreator = () => ({ namespace, label, log }) => {
  const { message, ...extra } = log;
  process.stderr.write(`kafkajs ${label} [${namespace}] ${message} ${JSON.stringify(extra)}\n`);
};

/** Shared by the public client and the group-less reader (partition-reader.ts) so both behave alike. */
export const CLIENT_SETTINGS = {
  clientId: 'tributary-cli',
  connectionTimeout: 3_000,
  requestTimeout: 30_000,
  // A CLI should fail within a second or two when nothing is listening, not after kafkajs's default ~30 s of retries.
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
};

export function createKafka(brokers: string[]): Kafka {
  return new kafkajs.Kafka({
    ...CLIENT_SETTINGS,
    brokers,
    logLevel: kafkajs.logLevel.NOTHING,
    logCreator: stderrLogger,
  });
}

/**
 * Runs a one-shot admin command: connects an admin client, runs `body`, always disconnects, then exits (see runOnce),
 * so every subcommand reads as just its requests.
 */
export async function withAdmin(context: ErrorContext, body: (admin: Admin) => Promise<void>): Promise<never> {
  return runOnce(context, async () => {
    const admin = createKafka(context.bootstrap).admin();
    await admin.connect();
    try {
      await body(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  });
}
