// The CLI's security flags: every command that takes --bootstrap takes them too, they resolve into the client's
// settings (password from its file or the environment), and bad combinations are usage errors naming the flag.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/main.js';
import { clientSecurityOf } from '../../src/cli/security-options.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-cli-security-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};

function commands(c: Command, path: string[] = []): Array<[string, Command]> {
  return [[path.join(' '), c], ...c.commands.flatMap((s) => commands(s, [...path, s.name()]))];
}

describe('security flags', () => {
  it('are on every command that talks to a broker, and only there', () => {
    const all = commands(createProgram());
    const withBootstrap = all.filter(([, c]) => c.options.some((o) => o.long === '--bootstrap')).map(([p]) => p);
    const withSecurity = all.filter(([, c]) => c.options.some((o) => o.long === '--security-protocol')).map(([p]) => p);
    expect(withBootstrap.length).toBeGreaterThanOrEqual(11);
    expect(withSecurity).toEqual(withBootstrap);
    for (const [path, c] of all.filter(([p]) => withSecurity.includes(p))) {
      const longs = c.options.map((o) => o.long);
      for (const flag of ['--sasl-mechanism', '--sasl-username', '--sasl-password-file', '--ca', '--cert']) expect(longs, path).toContain(flag);
      // produce's --key is the message key; the client key is --cert-key there.
      expect(longs, path).toContain(path === 'produce' ? '--cert-key' : '--key');
    }
  });

  it('resolve into the client settings, the password from its file (without the line break) or the environment', () => {
    const ca = file('ca.pem', 'x');
    const pass = file('pass', 'sekrit\n');
    expect(clientSecurityOf({ securityProtocol: 'SASL_SSL', saslUsername: 'agent', saslPasswordFile: pass, ca })).toEqual({
      protocol: 'SASL_SSL', ca: [ca], sasl: { mechanism: 'SCRAM-SHA-512', username: 'agent', password: 'sekrit' },
    });
    process.env.TRIBUTARY_SASL_PASSWORD = 'from-env';
    try {
      expect(clientSecurityOf({ securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'PLAIN', saslUsername: 'u' })?.sasl).toEqual({ mechanism: 'PLAIN', username: 'u', password: 'from-env' });
    } finally {
      delete process.env.TRIBUTARY_SASL_PASSWORD;
    }
    expect(clientSecurityOf({})).toBeUndefined();
    expect(clientSecurityOf({ securityProtocol: 'SSL' })).toEqual({ protocol: 'SSL' });
  });

  it('refuse combinations that cannot work, as usage errors naming the flag', () => {
    const usage = (f: Parameters<typeof clientSecurityOf>[0], key?: string) => {
      try {
        clientSecurityOf(f, key);
      } catch (err) {
        return { name: (err as { code?: string }).code, message: (err as Error).message };
      }
      return null;
    };
    const cert = file('cert.pem', 'x');
    expect(usage({ saslUsername: 'a' })).toEqual({ name: 'commander.invalidArgument', message: '--sasl-username needs --security-protocol SASL_SSL (or SASL_PLAINTEXT); the security protocol is PLAINTEXT' });
    expect(usage({ securityProtocol: 'SSL', saslMechanism: 'PLAIN' })?.message).toMatch(/^--sasl-mechanism needs --security-protocol SASL_SSL/);
    expect(usage({ securityProtocol: 'SASL_PLAINTEXT', ca: cert })?.message).toMatch(/^--ca needs --security-protocol SSL or SASL_SSL; the security protocol is SASL_PLAINTEXT/);
    expect(usage({ securityProtocol: 'SSL', cert })?.message).toBe('--cert and --key go together (a client certificate and its key)');
    expect(usage({ securityProtocol: 'SSL', certKey: cert }, '--cert-key')?.message).toBe('--cert and --cert-key go together (a client certificate and its key)');
    expect(usage({ securityProtocol: 'SASL_SSL' })?.message).toBe('SASL_SSL needs a user name: --sasl-username NAME');
    expect(usage({ securityProtocol: 'SASL_SSL', saslUsername: 'a' })?.message).toBe('SASL_SSL needs a password: --sasl-password-file FILE, or the environment variable TRIBUTARY_SASL_PASSWORD');
    expect(usage({ securityProtocol: 'SASL_SSL', saslUsername: 'a', saslPasswordFile: join(tmp, 'none') })?.message).toMatch(/^--sasl-password-file: cannot read the password file .*none: ENOENT$/);
    expect(usage({ securityProtocol: 'SSL', ca: join(tmp, 'none.pem') })?.message).toMatch(/^--ca: cannot read .*none\.pem \(ENOENT\)$/);
    expect(usage({ saslPassword: 'hunter2' })?.message).toMatch(/^passwords are not taken on the command line/);
  });
});
