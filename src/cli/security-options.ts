// The flags every command that talks to a broker takes to secure the connection, named as in Kafka's client configs
// (security.protocol, sasl.mechanism, …). The password comes from a file or TRIBUTARY_SASL_PASSWORD, never from the
// command line, where `ps` and shell history would show it.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ClientSecurity } from '../client/security.js';
import { resolveSecuritySpec, type SecuritySpec, type SpecNames } from '../client/security-spec.js';
import { usage } from './args.js';

export interface SecurityFlags {
  securityProtocol?: NonNullable<SecuritySpec['protocol']>;
  saslMechanism?: NonNullable<NonNullable<SecuritySpec['sasl']>['mechanism']>;
  saslUsername?: string;
  saslPasswordFile?: string;
  ca?: string;
  cert?: string;
  key?: string;
  /** The same as --key, for `produce`, whose --key is the message key. */
  certKey?: string;
  saslPassword?: string;
  /** Filled in before the action runs (see addSecurityOptions): what the flags resolve to. */
  security?: ClientSecurity;
}

export const FLAG_NAMES: SpecNames = {
  protocol: '--security-protocol',
  mechanism: '--sasl-mechanism',
  username: '--sasl-username',
  passwordFile: '--sasl-password-file',
  ca: '--ca',
  cert: '--cert',
  key: '--key',
};

/**
 * Adds the security flags to a command (after --bootstrap, so help lists them together). With `resolve` (the
 * default), they are checked and resolved into `security` before the action runs: a bad combination or an unreadable
 * file is a usage error (exit 2) naming the flag. The agent resolves them itself, merged with its config file.
 */
export function addSecurityOptions(command: Command, resolve = true): Command {
  // `produce --key` is the message key; there the client key is only --cert-key (accepted everywhere).
  const keyIsTaken = command.options.some((o) => o.long === '--key');
  if (resolve) {
    command.hook('preAction', (_program, action) => {
      try {
        const flags = action.opts<SecurityFlags>();
        action.setOptionValue('security', clientSecurityOf({ ...flags, key: keyIsTaken ? undefined : flags.key }, keyIsTaken ? '--cert-key' : '--key'));
      } catch (err) {
        action.error(`error: ${(err as Error).message}`, { exitCode: 2, code: 'tributary.securityFlags' });
      }
    });
  }
  command
    .addOption(new Option('--security-protocol <protocol>', 'how to connect: TLS or not, SASL login or not').choices(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']))
    .addOption(new Option('--sasl-mechanism <mechanism>', 'SASL mechanism (default SCRAM-SHA-512)').choices(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']))
    .option('--sasl-username <name>', 'SASL user to log in as')
    .option('--sasl-password-file <file>', 'file holding the SASL password (or set TRIBUTARY_SASL_PASSWORD)')
    .option('--ca <file>', "CA certificate(s) to verify the broker with, PEM (a tributary broker's is DATA/tls/ca.pem)")
    .option('--cert <file>', 'client certificate, PEM (for brokers that check client certificates)')
    .option(keyIsTaken ? '--cert-key <file>' : '--key <file>', 'the client certificate\'s key, PEM');
  if (!keyIsTaken) command.addOption(new Option('--cert-key <file>').hideHelp());
  return command
    // Accepted only to say why there is no such flag (securitySpecOf), instead of "unknown option"; never echoed.
    .addOption(new Option('--sasl-password <password>').hideHelp());
  return command;
}

/** The spec the flags describe, for merging with a config file (the agent). */
export function securitySpecOf(flags: SecurityFlags): SecuritySpec {
  if (flags.saslPassword !== undefined) {
    throw new InvalidArgumentError('passwords are not taken on the command line (ps and shell history show them); use --sasl-password-file FILE or TRIBUTARY_SASL_PASSWORD');
  }
  const sasl = flags.saslMechanism ?? flags.saslUsername ?? flags.saslPasswordFile;
  return {
    protocol: flags.securityProtocol,
    ca: flags.ca,
    cert: flags.cert,
    key: flags.certKey ?? flags.key,
    sasl: sasl === undefined ? undefined : { mechanism: flags.saslMechanism, username: flags.saslUsername, passwordFile: flags.saslPasswordFile },
  };
}

/** The client's settings from the flags; a bad combination is a usage error (exit 2) naming the flag. */
export function clientSecurityOf(flags: SecurityFlags, keyFlag = '--key'): ClientSecurity | undefined {
  return usage(() => resolveSecuritySpec(securitySpecOf(flags), { ...FLAG_NAMES, key: keyFlag }));
}
