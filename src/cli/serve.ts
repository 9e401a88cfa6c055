// `tributary serve`: the flags live here with the rest of the CLI; the app itself is src/app/run.ts.
import { Command, Option } from 'commander';
import { parseHostPort } from './args.js';

export interface ServeOptions {
  dataDir?: string;
  kafka?: string;
  advertisedHost?: string;
  config?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the embedded Kafka-compatible broker')
    .option('--data-dir <dir>', 'directory where topics and offsets are stored')
    .addOption(
      new Option('--kafka <host:port>', 'address the Kafka listener binds (default 0.0.0.0:9092; port 0 picks a free port)')
        .argParser((value: string) => {
          parseHostPort(value, { allowPortZero: true }); // validate only; the broker gets the text as written
          return value.trim();
        }),
    )
    .option('--advertised-host <host>', 'host name clients are told to connect to (default: this machine\'s name if bound to 0.0.0.0, else the bound address)')
    .option('--config <file>', 'broker configuration file')
    .action(async (opts: ServeOptions) => {
      // Loaded lazily so the client commands never pay for broker startup code.
      const { runServe } = await import('../app/run.js');
      await runServe(opts);
    });
}
