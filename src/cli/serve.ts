// `tributary serve`: the flags live here with the rest of the CLI; the app itself is src/app/run.ts.
import { Command, Option } from 'commander';
import { parseListeners } from '../broker/listeners.js';
import { parseHostPort } from './args.js';

export interface ServeOptions {
  dataDir?: string;
  kafka?: string;
  listeners?: string;
  advertisedHost?: string;
  config?: string;
  http?: string;
  httpPublic?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the embedded Kafka-compatible broker')
    .option('--data-dir <dir>', 'directory where topics and offsets are stored')
    .addOption(
      new Option('--kafka <host:port>', 'one PLAINTEXT Kafka listener HOST:PORT instead of the default listeners (PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093); port 0 picks a free port')
        .argParser((value: string) => {
          parseHostPort(value, { allowPortZero: true }); // validate only; the broker gets the text as written
          return value.trim();
        }),
    )
    .addOption(
      new Option('--listeners <list>', 'Kafka listeners in Kafka\'s syntax, comma-separated, e.g. PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093 (protocols PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL); instead of --kafka')
        .argParser((value: string) => {
          parseListeners(value); // validate only, as --kafka
          return value.trim();
        }),
    )
    .option('--advertised-host <host>', 'host name clients are told to connect to (default: this machine\'s name if bound to 0.0.0.0, else the bound address)')
    .addOption(
      new Option('--http <host:port|off>', 'address of the HTTP/WebSocket API and UI (default 127.0.0.1:9300; :PORT means loopback; off disables it)').argParser((value: string) => {
        if (value.trim().toLowerCase() !== 'off') parseHostPort(value, { allowPortZero: true });
        return value.trim();
      }),
    )
    .option('--http-public', 'allow --http on an address other machines can reach (it logs a warning)')
    .option('--config <file>', 'broker configuration file')
    .action(async (opts: ServeOptions) => {
      // Loaded lazily so the client commands never pay for broker startup code.
      const { runServe } = await import('../app/run.js');
      await runServe(opts);
    });
}
