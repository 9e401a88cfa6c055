// Our own tools over SASL_SSL with the generated CA, as a user runs them against a real `tributary serve` with a
// plaintext and a SASL_SSL listener: `tributary agent` tails a file and ships it with SCRAM-SHA-512 (flags) and PLAIN
// (config file); the CLI creates a topic, produces and consumes back; a wrong password and a wrong CA are refused
// with errors that say so; bad flag combinations are usage errors.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedTls } from '../../src/broker/security/certificates.js';
import { machineNames } from '../../src/broker/security/machine-names.js';
import { KafkaClient } from '../../src/client/client.js';
import { silentLogger } from '../../src/common/logger.js';
import { startBroker, stopAllBrokers, TRIBUTARY_BIN, type BrokerProcess } from '../helpers/broker-process.js';
import { spawnLines, type LineProcess } from '../helpers/line-process.js';
import { runCli } from '../helpers/run-cli.js';
import { assertOk, runTool } from '../helpers/run-tool.js';
import { waitUntil } from '../helpers/wait-until.js';

const PASSWORD = 'agent-password-0123';
const tmp = mkdtempSync(join(tmpdir(), 'tributary-agent-sasl-'));
const passwordFile = join(tmp, 'agent.pass');
const wrongPasswordFile = join(tmp, 'wrong.pass');
let broker: BrokerProcess;
let saslPort: number;
let ca: string;
const agents: LineProcess[] = [];

beforeAll(async () => {
  broker = await startBroker({ args: ['--listeners', 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0'] });
  const line = await broker.waitForLine(/kafka listener on 127\.0\.0\.1:\d+ \(SASL_SSL/);
  saslPort = Number(/:(\d+) \(SASL_SSL/.exec(line)![1]);
  ca = join(broker.dataDir, 'tls', 'ca.pem');
  // The first start made the agent user (secure by default); give it a known password.
  assertOk(await runCli(['users', 'passwd', 'agent', '--data-dir', broker.dataDir], { input: `${PASSWORD}\n` }), 'users passwd');
  // Its default ACLs let it write and describe topics (what the agent needs); the CLI tests here also create topics,
  // read them back and use groups as that user.
  for (const resource of [['--topic', '*', '--operation', 'All'], ['--group', '*', '--operation', 'All'], ['--cluster', '--operation', 'Create', '--operation', 'Describe']]) {
    assertOk(await runCli(['acls', 'add', '--principal', 'User:agent', ...resource, '--data-dir', broker.dataDir]), 'acls add');
  }
  await new Promise((r) => setTimeout(r, 2500)); // the broker looks at DATA/acls.json once a second
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 }); // as `echo` writes it: the line break is not part of it
  writeFileSync(wrongPasswordFile, 'not-the-password\n', { mode: 0o600 });
}, 60_000);
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL', 1000)));
  await stopAllBrokers();
  rmSync(tmp, { recursive: true, force: true });
});

const secure = (mechanism = 'SCRAM-SHA-512', file = passwordFile) => [
  '--bootstrap', `127.0.0.1:${saslPort}`, '--security-protocol', 'SASL_SSL', '--sasl-mechanism', mechanism,
  '--sasl-username', 'agent', '--sasl-password-file', file, '--ca', ca,
];

/** Every value in `topic`, read over the plaintext loopback listener with our client. */
async function values(topic: string): Promise<string[]> {
  const client = new KafkaClient({ bootstrap: [broker.bootstrap], clientId: 'agent-sasl-check' });
  try {
    if (!(await client.admin.listTopics()).includes(topic)) return [];
    const end = (await client.offsets.list(topic, 'latest')).get(0)!;
    const out: string[] = [];
    let offset = 0;
    for (let round = 0; round < 200 && offset < end; round++) {
      for (const f of await client.fetcher(topic).fetch(new Map([[0, offset]]), 100)) {
        out.push(...f.records.map((r) => r.value!.toString()));
        offset = f.nextOffset;
      }
    }
    return out;
  } finally {
    await client.close();
  }
}

function startAgent(args: string[], env: NodeJS.ProcessEnv = {}): LineProcess {
  const e = { ...process.env, ...env };
  delete e.TRIBUTARY_BOOTSTRAP;
  const agent = spawnLines(process.execPath, [TRIBUTARY_BIN, 'agent', '--no-metrics', ...args], { env: e, name: 'agent' });
  agents.push(agent);
  return agent;
}

const lines = (tag: string, from: number, count: number) => Array.from({ length: count }, (_, i) => `${tag} line ${from + i}`);

describe('tributary agent over SASL_SSL', () => {
  it('with flags (SCRAM-SHA-512, the printed newcomer command): tails a file and ships every line', async () => {
    const dir = join(tmp, 'flags');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'app.log');
    appendFileSync(log, `${lines('flags', 0, 300).join('\n')}\n`);
    const agent = startAgent([...secure(), '--files', log, '--start-at', 'beginning', '--topic', 'agent-sasl-flags', '--name', 'sasl-1', '--data-dir', join(dir, 'data')]);
    await waitUntil('the agent to start', () => agent.stderr.some((l) => l.includes('started:')), { timeoutMs: 30_000, details: () => agent.describe() });
    appendFileSync(log, `${lines('flags', 300, 200).join('\n')}\n`);
    const want = lines('flags', 0, 500);
    await waitUntil('500 lines over SASL_SSL', async () => (await values('agent-sasl-flags')).length >= 500, { timeoutMs: 45_000, details: () => agent.describe() });
    expect(await values('agent-sasl-flags')).toEqual(want);
    expect(agent.stderr.join('\n')).toContain(`connected to broker 127.0.0.1:${saslPort}`);
    expect(agent.stderr.join('\n')).toContain(`connecting with SASL_SSL, SCRAM-SHA-512 as "agent", trusting ${ca}`);
    expect(agent.stderr.join('\n')).not.toContain(PASSWORD);
    expect((await agent.stop('SIGTERM')).code).toBe(0);
  }, 120_000);

  it('with a config file (PLAIN, password from TRIBUTARY_SASL_PASSWORD): ships every line', async () => {
    const dir = join(tmp, 'config');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'app.log');
    appendFileSync(log, `${lines('config', 0, 200).join('\n')}\n`);
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({
      bootstrap: [`127.0.0.1:${saslPort}`],
      security: { protocol: 'SASL_SSL', ca, sasl: { mechanism: 'PLAIN', username: 'agent' } },
      files: [log], startAt: 'beginning', topic: 'agent-sasl-config', name: 'sasl-2', dataDir: join(dir, 'data'),
    }));
    const agent = startAgent(['--config', config], { TRIBUTARY_SASL_PASSWORD: PASSWORD });
    await waitUntil('200 lines over SASL_SSL', async () => (await values('agent-sasl-config')).length >= 200, { timeoutMs: 45_000, details: () => agent.describe() });
    expect(await values('agent-sasl-config')).toEqual(lines('config', 0, 200));
    expect((await agent.stop('SIGTERM')).code).toBe(0);
  }, 120_000);

  it('refuses bad security settings as usage errors (exit 2) before connecting', async () => {
    const r1 = await runCli(['agent', '--sasl-username', 'agent', '--files', join(tmp, 'x.log')]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--sasl-username needs --security-protocol SASL_SSL/);
    const r2 = await runCli(['agent', '--security-protocol', 'SASL_SSL', '--sasl-username', 'agent', '--files', join(tmp, 'x.log')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/SASL_SSL needs a password: --sasl-password-file FILE, or the environment variable TRIBUTARY_SASL_PASSWORD/);
  }, 60_000);
});

describe('the CLI over SASL_SSL', () => {
  it('creates a topic, produces from stdin and consumes back (SCRAM-SHA-256, then PLAIN with the password in the environment)', async () => {
    assertOk(await runCli(['topics', 'create', 'cli-sasl', '--partitions', '1', ...secure('SCRAM-SHA-256')]), 'topics create');
    expect(assertOk(await runCli(['topics', 'list', ...secure()]), 'topics list').stdout.split('\n')).toContain('cli-sasl');
    const sent = lines('cli', 0, 100);
    const produced = assertOk(await runCli(['produce', '--topic', 'cli-sasl', '--key', 'k1', ...secure('SCRAM-SHA-256')], { input: `${sent.join('\n')}\n` }), 'produce');
    expect(produced.stderr).toContain('produced 100 messages to cli-sasl');
    const env = { ...process.env, TRIBUTARY_SASL_PASSWORD: PASSWORD };
    const consumed = assertOk(
      await runTool(process.execPath, [TRIBUTARY_BIN, 'consume', '--topic', 'cli-sasl', '--from-beginning', '--bootstrap', `127.0.0.1:${saslPort}`, '--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'PLAIN', '--sasl-username', 'agent', '--ca', ca], { env, timeoutMs: 60_000 }),
      'consume',
    );
    expect(consumed.stdout.trim().split('\n')).toEqual(sent);
    const grouped = assertOk(await runCli(['consume', '--topic', 'cli-sasl', '--group', 'cli-sasl-group', '--from-beginning', '--max-messages', '100', ...secure()]), 'consume --group');
    expect(grouped.stdout.trim().split('\n')).toEqual(sent);
    const described = assertOk(await runCli(['groups', 'describe', '--group', 'cli-sasl-group', ...secure()]), 'groups describe');
    expect(described.stdout).toContain('cli-sasl');
  }, 120_000);

  it('a wrong password fails (exit 1) saying authentication failed for the user with the mechanism', async () => {
    const r = await runCli(['topics', 'list', ...secure('SCRAM-SHA-512', wrongPasswordFile)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: broker 127\.0\.0\.1:\d+: authentication failed for user "agent" with mechanism SCRAM-SHA-512: .*\(SASL_AUTHENTICATION_FAILED\)$/m);
  }, 60_000);

  it('a CA that did not sign the broker fails, naming the CA file', async () => {
    // Another installation's CA: a real CA for the same names, with another key.
    const otherCa = (await generatedTls(join(tmp, 'other-install'), machineNames(), silentLogger)).caFile!;
    const args = secure();
    args[args.indexOf('--ca') + 1] = otherCa;
    const r = await runCli(['topics', 'list', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("TLS: the broker's certificate is not signed by a CA we trust");
    expect(r.stderr).toContain(otherCa);
  }, 60_000);

  it('plaintext to the SASL_SSL port fails with a hint to use TLS', async () => {
    const r = await runCli(['topics', 'list', '--bootstrap', `127.0.0.1:${saslPort}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/if this is a TLS listener \(SSL or SASL_SSL\), connect with that security protocol/);
  }, 60_000);

  it('never takes a password on the command line, and does not echo one', async () => {
    const r = await runCli(['topics', 'list', '--security-protocol', 'SASL_SSL', '--sasl-username', 'agent', '--sasl-password', 'hunter2-secret']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/passwords are not taken on the command line/);
    expect(r.stderr).not.toContain('hunter2-secret');
  }, 30_000);
});

// Last: failed logins make the broker answer this address more slowly for a while (its guessing brake).
describe('the agent refused', () => {
  it('with a wrong password: says authentication failed for the user and mechanism, and buffers instead of shipping', async () => {
    const dir = join(tmp, 'wrong');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'app.log');
    appendFileSync(log, `${lines('wrong', 0, 10).join('\n')}\n`);
    const agent = startAgent([...secure('SCRAM-SHA-256', wrongPasswordFile), '--files', log, '--start-at', 'beginning', '--topic', 'agent-sasl-wrong', '--name', 'sasl-3', '--data-dir', join(dir, 'data')]);
    await waitUntil('the refusal in the log', () => agent.stderr.some((l) => /authentication failed for user "agent" with mechanism SCRAM-SHA-256: .*SASL_AUTHENTICATION_FAILED/.test(l)), {
      timeoutMs: 45_000,
      details: () => agent.describe(),
    });
    expect(await values('agent-sasl-wrong')).toEqual([]);
    await agent.stop('SIGTERM');
  }, 90_000);
});
