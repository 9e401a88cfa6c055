// One place that decides how the CLI talks to a cluster: which brokers and how patient to be. The CLI speaks through
// Tributary's own client (src/client), the one the agent uses. The client is loaded on first use, so commands that
// never talk to a cluster this way (`serve`, `agent`, --help) do not load it.
import { Option, type Command } from 'commander';
import type { KafkaClient } from '../client/client.js';
import { usesTls } from '../client/security.js';
import { parseBootstrap } from './args.js';
import { runOnce } from './command-runner.js';
import type { ErrorContext } from './errors.js';
import { addSecurityOptions, type SecurityFlags } from './security-options.js';

/** What every command that talks to a cluster takes: where the brokers are and how to connect securely. */
export type ConnectionFlags = { bootstrap: string[] } & SecurityFlags;

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

/**
 * Gives every command that takes --bootstrap the security flags too (resolved into `security` before its action
 * runs, see security-options.ts), so no command that talks to a broker can forget them. Commands that add them
 * themselves (the agent merges them with its config file) are left alone.
 */
export function addSecurityToBrokerCommands(command: Command): void {
  const has = (flag: string) => command.options.some((o) => o.long === flag);
  if (has('--bootstrap') && !has('--security-protocol')) addSecurityOptions(command);
  for (const sub of command.commands) addSecurityToBrokerCommands(sub);
}

export async function createClient(flags: ConnectionFlags): Promise<KafkaClient> {
  const { KafkaClient } = await import('../client/client.js');
  // A CLI should fail within seconds when nothing is listening, not after a long wait; a TLS handshake gets a little more.
  const connectTimeoutMs = usesTls(flags.security) ? 5_000 : 3_000;
  return new KafkaClient({ bootstrap: flags.bootstrap, clientId: CLIENT_ID, connectTimeoutMs, requestTimeoutMs: 30_000, security: flags.security });
}

/**
 * Runs a one-shot command with a client: runs `body`, always closes the client, then exits (see runOnce), so every
 * subcommand reads as just its requests.
 */
export async function withClient(flags: ConnectionFlags, context: ErrorContext, body: (client: KafkaClient) => Promise<void>): Promise<never> {
  return runOnce(context, async () => {
    const client = await createClient(flags);
    try {
      await body(client);
    } finally {
      await client.close().catch(() => undefined);
    }
  });
}
