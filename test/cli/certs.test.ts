// `tributary certs client NAME` as a user runs it (the built CLI, a real data directory): a client certificate that
// chains to DATA/tls/ca.pem, for client authentication, named CN=NAME, its key owner-readable only, and nothing
// overwritten.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/broker-process.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
beforeAll(() => assertBuilt());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-certs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tributary certs client', () => {
  it('issues NAME.pem and NAME-key.pem signed by the data directory\'s CA (made if missing), for client auth', async () => {
    const data = join(dir, 'data');
    const out = join(dir, 'out');
    const r = await runCli(['certs', 'client', 'web-1', '--data-dir', data, '--out', out, '--days', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('issued CN=web-1 until ');
    const ca = new X509Certificate(readFileSync(join(data, 'tls', 'ca.pem')));
    const cert = new X509Certificate(readFileSync(join(out, 'web-1.pem')));
    expect(cert.subject).toBe('CN=web-1');
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9);
    expect(days).toBeLessThan(11);
    const keyFile = join(out, 'web-1-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))).toBe(true);

    // A second one for the same name would overwrite the first: refused, exit 1, files untouched.
    const before = readFileSync(join(out, 'web-1.pem'), 'utf8');
    const again = await runCli(['certs', 'client', 'web-1', '--data-dir', data, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/web-1(-key)?\.pem exists; remove it or choose another --out/);
    expect(readFileSync(join(out, 'web-1.pem'), 'utf8')).toBe(before);
    // The CA is the same one: a second client from it chains to it too.
    expect((await runCli(['certs', 'client', 'web-2', '--data-dir', data, '--out', out])).code).toBe(0);
    expect(new X509Certificate(readFileSync(join(out, 'web-2.pem'))).checkIssued(ca)).toBe(true);
  }, 60_000);

  it('refuses a name that cannot be a common name (exit 1) and a bad --days (usage error, exit 2)', async () => {
    expect((await runCli(['certs', 'client', 'x'.repeat(65), '--data-dir', dir, '--out', dir])).code).toBe(1);
    expect((await runCli(['certs', 'client', 'web', '--days', '0', '--data-dir', dir, '--out', dir])).code).toBe(2);
    expect(existsSync(join(dir, 'web.pem'))).toBe(false);
  }, 30_000);
});
