// `tributary users add|list|delete|passwd`: the SASL users in a data directory (DATA/users.json), changed in place
// whether or not the broker runs; a running broker sees each change at the next login.
import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultDataDir } from '../common/data-root.js';
import { runOnce } from './command-runner.js';
import { CliError } from './errors.js';

const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
type Mechanism = (typeof MECHANISMS)[number];

interface UserOptions {
  dataDir?: string;
  mechanism?: Mechanism[];
  iterations?: number;
}

function parseMechanism(value: string, previous: Mechanism[] | undefined): Mechanism[] {
  const v = value.trim().toUpperCase();
  const list = v === 'ALL' ? [...MECHANISMS] : (MECHANISMS as readonly string[]).includes(v) ? [v as Mechanism] : null;
  if (!list) throw new InvalidArgumentError(`use SCRAM-SHA-256, SCRAM-SHA-512 or all (PLAIN logins are checked against either)`);
  return [...new Set([...(previous ?? []), ...list])];
}

function parseIterations(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 4096 || n > 16_384) throw new InvalidArgumentError('iterations must be an integer from 4096 to 16384');
  return n;
}

/** The password: stdin when it is not a terminal (its first line), else a new random one, printed once. */
async function readPassword(name: string): Promise<{ password: string; generated: boolean }> {
  if (process.stdin.isTTY) return { password: randomBytes(24).toString('base64url'), generated: true };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new CliError('the password on stdin is longer than 64 KiB');
  }
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0]!;
  if (password === '') throw new CliError(`no password on stdin for ${name}; pipe one in (echo "$PW" | tributary users add ${name}), or run in a terminal to have one generated`);
  return { password, generated: false };
}

const common = (c: Command) => c.option('--data-dir <dir>', 'the broker\'s data directory (default: the platform\'s)');

const fail = (e: unknown): never => {
  if ((e as Error).name === 'UsersFileError') throw new CliError((e as Error).message);
  throw e;
};

export function registerUsers(program: Command): void {
  const users = program.command('users').description('manage the SASL users who may log in (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)');
  const mechanismOption = () =>
    new Option('--mechanism <name>', 'SCRAM-SHA-256, SCRAM-SHA-512 or all (repeatable; default all). PLAIN works with either').argParser(parseMechanism);
  const iterationsOption = () => new Option('--iterations <n>', 'PBKDF2 iterations of the stored credential (4096-16384, default 8192)').argParser(parseIterations);

  common(users.command('add'))
    .description('add a user; the password is read from stdin, or generated and printed when stdin is a terminal')
    .argument('<name>')
    .addOption(mechanismOption())
    .addOption(iterationsOption())
    .action((name: string, opts: UserOptions) =>
      runOnce({ bootstrap: [] }, async () => {
        const admin = await import('../broker/security/user-admin.js');
        const { invalidUserName } = await import('../broker/security/users-file.js');
        const bad = invalidUserName(name);
        if (bad) throw new CliError(bad);
        const dataDir = opts.dataDir ?? defaultDataDir();
        const { password, generated } = await readPassword(name);
        await admin.addUser(dataDir, name, password, opts.mechanism ?? MECHANISMS, opts.iterations).catch(fail);
        process.stdout.write(`added user ${name} (${(opts.mechanism ?? MECHANISMS).join(', ')}, and PLAIN) in ${dataDir}\n`);
        if (generated) process.stdout.write(`password: ${password}\n(shown once: store it now)\n`);
      }),
    );

  common(users.command('passwd'))
    .description('change a user\'s password (stdin, or generated and printed when stdin is a terminal)')
    .argument('<name>')
    .addOption(mechanismOption())
    .addOption(iterationsOption())
    .action((name: string, opts: UserOptions) =>
      runOnce({ bootstrap: [] }, async () => {
        const admin = await import('../broker/security/user-admin.js');
        const dataDir = opts.dataDir ?? defaultDataDir();
        if (!admin.listUsers(dataDir).some((u) => u.name === name)) throw new CliError(`no user ${name}; add it with \`tributary users add ${name}\``);
        const { password, generated } = await readPassword(name);
        await admin.setPassword(dataDir, name, password, opts.mechanism, opts.iterations).catch(fail);
        process.stdout.write(`changed the password of ${name}\n`);
        if (generated) process.stdout.write(`password: ${password}\n(shown once: store it now)\n`);
      }),
    );

  common(users.command('delete'))
    .description('remove a user (connections already logged in stay open until they close)')
    .argument('<name>')
    .action((name: string, opts: UserOptions) =>
      runOnce({ bootstrap: [] }, async () => {
        const admin = await import('../broker/security/user-admin.js');
        await admin.deleteUser(opts.dataDir ?? defaultDataDir(), name).catch(fail);
        process.stdout.write(`deleted user ${name}\n`);
      }),
    );

  common(users.command('list'))
    .description('print the users and their mechanisms')
    .action((opts: UserOptions) =>
      runOnce({ bootstrap: [] }, async () => {
        const admin = await import('../broker/security/user-admin.js');
        let list;
        try {
          list = admin.listUsers(opts.dataDir ?? defaultDataDir());
        } catch (e) {
          fail(e);
        }
        for (const u of list!) process.stdout.write(`${u.name}\t${u.mechanisms.join(',')}\t${u.iterations} iterations\n`);
      }),
    );
}
