// `tributary certs client NAME`: a client certificate (mTLS) signed by the CA the broker generated in DATA/tls/, for
// listeners with tls.clientAuth "requested" or "required". The broker names such a client by the certificate's
// subject, `CN=NAME` (the principal `User:CN=NAME` in ACLs).
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { defaultDataDir } from '../common/data-root.js';
import { silentLogger } from '../common/logger.js';
import { runOnce } from './command-runner.js';
import { CliError } from './errors.js';

interface ClientCertOptions {
  dataDir?: string;
  out?: string;
  days: number;
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new InvalidArgumentError('days must be an integer from 1 to 3650');
  return n;
}

// Printable, no control characters, and short enough for a CN (RFC 5280's ub-common-name is 64).
const NAME = /^[\x20-\x7e]{1,64}$/;

export function registerCerts(program: Command): void {
  const certs = program.command('certs').description('certificates of the generated CA in DATA/tls/ (for TLS client authentication)');
  certs
    .command('client')
    .description('issue a client certificate and key (PEM) signed by DATA/tls/ca.pem; the broker names the client CN=NAME')
    .argument('<name>', 'the common name, e.g. web-1')
    .option('--data-dir <dir>', 'the broker\'s data directory (default: the platform\'s)')
    .option('--out <dir>', 'where NAME.pem and NAME-key.pem are written (default: the current directory)')
    .option('--days <n>', 'validity in days (default 825)', parseDays, 825)
    .action((name: string, opts: ClientCertOptions) =>
      runOnce({ bootstrap: [] }, async () => {
        if (!NAME.test(name)) throw new CliError('the name must be 1-64 printable ASCII characters');
        const dataDir = opts.dataDir ?? defaultDataDir();
        const out = opts.out ?? process.cwd();
        const base = name.replace(/[^A-Za-z0-9._-]/g, '_');
        const certFile = path.join(out, `${base}.pem`);
        const keyFile = path.join(out, `${base}-key.pem`);
        for (const f of [certFile, keyFile]) if (fs.existsSync(f)) throw new CliError(`${f} exists; remove it or choose another --out`);
        const { issueClientCertificate } = await import('../broker/security/certificates.js');
        const c = await issueClientCertificate(dataDir, name, opts.days, silentLogger);
        fs.mkdirSync(out, { recursive: true });
        // The key first and never readable by others: it is the client's identity.
        fs.writeFileSync(keyFile, c.key, { mode: 0o600, flag: 'wx' });
        fs.writeFileSync(certFile, c.cert, { mode: 0o644, flag: 'wx' });
        const ca = path.join(dataDir, 'tls', 'ca.pem');
        process.stdout.write(
          `issued ${c.subject} until ${c.notAfter.toISOString().slice(0, 10)}\n` +
            `certificate: ${certFile}\nkey:         ${keyFile}\nCA:          ${ca}\n` +
            `kcat: -X security.protocol=SSL -X ssl.ca.location=${ca} -X ssl.certificate.location=${certFile} -X ssl.key.location=${keyFile}\n` +
            `kafka-python: security_protocol='SSL', ssl_cafile='${ca}', ssl_certfile='${certFile}', ssl_keyfile='${keyFile}'\n` +
            `principal in ACLs: User:${c.subject}\n`,
        );
      }),
    );
}
