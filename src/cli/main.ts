// The `tributary` program: builds the command tree and maps outcomes to exit codes
// (0 success, 1 runtime failure, 2 usage error — unknown option, missing argument, bad value).
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../common/package-info.js';
import { registerAcls } from './acls.js';
import { registerAgent } from './agent.js';
import { registerCerts } from './certs.js';
import { exitQuietlyOnBrokenPipe, exitWith } from './command-runner.js';
import { registerConsume } from './consume.js';
import { describeError } from './errors.js';
import { registerExport } from './export.js';
import { registerGroups } from './groups.js';
import { registerImport } from './import.js';
import { addSecurityToBrokerCommands } from './kafka-client.js';
import { registerProduce } from './produce.js';
import { registerServe } from './serve.js';
import { registerTopics } from './topics.js';
import { registerUsers } from './users.js';

export function createProgram(): Command {
  const program = new Command('tributary')
    .description('Tributary: an embedded Kafka-compatible broker and the tools to use it')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    // Set before adding commands so every subcommand inherits them: errors are thrown, not process.exit(1)ed.
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(message.trimEnd().replace(/\n+/g, ' ') + '\n') });
  registerServe(program);
  registerTopics(program);
  registerProduce(program);
  registerConsume(program);
  registerGroups(program);
  registerExport(program);
  registerImport(program);
  registerAgent(program);
  registerUsers(program);
  registerCerts(program);
  registerAcls(program);
  addSecurityToBrokerCommands(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  exitQuietlyOnBrokenPipe();
  try {
    await createProgram().parseAsync(argv);
  } catch (err) {
    // Commander has already printed its one-line message (or the help/version text) by the time it throws.
    if (err instanceof CommanderError) await exitWith(err.exitCode === 0 ? 0 : 2);
    process.stderr.write(`error: ${describeError(err, { bootstrap: [] })}\n`);
    await exitWith(1);
  }
}
