// One place that decides how the CLI talks to a cluster: which brokers and how patient to be. The CLI speaks through
// Tributary's own client (src/client), the one the agent uses. The client is loaded on first use, so commands that
// never talk to a cluster this way (`serve`, `agent`, --help) do not load it.
import { Option } from 'commander';
import type { KafkaClient } from '../client/client.js';
import { parseBootstrap } from './args.js';
import { runOnce } from './command-runner.js';
import type { ErrorContext } from './errors.js';

export const DEFAULT_BOOTSTRAP = 'localhost:9092';
export const BOOTSTRAP_ENV = 'TRIBUTARY_BOOTSTRAP';
export const CLIENT_ID = 'tributary-cli';

/** `--bootstrap` for every command that talks to a cluster; the env var lets scripts set it once. */
export function bootstrapOption(): Option {
  return new Option('--bootstrap <host:port>', 'broker(s) to connect to, comma-separated')
    .env(BOOTSTRAP_ENV)
    .argParser((value: string) => parseBootstrap(value))
    .default([DEFAULT_BOOTSTRAP], DEFAULT_BOOTSTRAP);
}

export async function createClient(bootstrap: string[]): Promise<KafkaClient> {
  const { KafkaClient } = await import('../client/client.js');
  // A CLI should fail within seconds when nothing is listening, not after a long wait.
  return new KafkaClient({ bootstrap, clientId: CLIENT_ID, connectTimeoutMs: 3_000, requestTimeoutMs: 30_000 });
}

/**
 * Runs a one-shot command with a client: runs `body`, always closes the client, then exits (see runOnce), so every
 * subcommand reads as just its requests.
 */
export async function withClient(context: ErrorContext, body: (client: KafkaClient) => Promise<void>): Promise<never> {
  return runOnce(context, async () => {
    const client = await createClient(context.bootstrap);
    try {
      await body(client);
    } finally {
      await client.close().catch(() => undefined);
    }
  });
}
