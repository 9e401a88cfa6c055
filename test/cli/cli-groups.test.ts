// `tributary groups list|describe|delete|reset-offsets` against a real `tributary serve`, with groups made by
// `tributary consume --group`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerConfig } from '../helpers/broker-config.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { runCli, startCli, type RunningCli } from '../helpers/run-cli.js';
import { assertOk } from '../helpers/run-tool.js';
import type { GroupView } from '../../src/cli/groups-describe.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Every step starts a CLI process: 1.5-4 s each on a loaded 2-core machine, so deadlines are counted in CLI runs.
const SHORT_MS = 60_000; // a handful of CLI runs
const LONG_MS = 180_000; // a dozen or more

let broker: BrokerProcess;
const cli = (args: string[], input?: string) => runCli(args, { bootstrap: broker.bootstrap, input });
const ok = async (args: string[], input?: string) => assertOk(await cli(args, input), `tributary ${args.join(' ')}`);
const lines = (stdout: string) => (stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n'));
const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const describeJson = async (group: string) => JSON.parse((await ok(['groups', 'describe', '--group', group, '--format', 'json'])).stdout) as GroupView;
/** The table rows after the header, split on runs of spaces. */
const tableRows = (stdout: string) => lines(stdout).slice(1).map((line) => line.split(/ {2,}/));

/** Polls describe until `ready` holds; bounded in time. */
async function waitForGroup(group: string, ready: (view: GroupView) => boolean, timeoutMs = 60_000): Promise<GroupView> {
  const deadline = Date.now() + timeoutMs;
  let view = await describeJson(group);
  while (!ready(view)) {
    if (Date.now() > deadline) throw new Error(`group ${group} did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify(view)}`);
    await sleep(200);
    view = await describeJson(group);
  }
  return view;
}

beforeAll(async () => {
  broker = await startBroker({ args: ['--config', brokerConfig()] });
}, 30_000);

afterAll(async () => {
  await stopAllBrokers();
});

describe('groups list and describe', () => {
  it('lists a group made by consume --group and describes its committed offsets and lag', async () => {
    await ok(['topics', 'create', 'gl-topic', '--partitions', '3']);
    for (const p of [0, 1, 2]) await ok(['produce', '--topic', 'gl-topic', '--partition', String(p)], `${numbered(`p${p}-`, 5).join('\n')}\n`);
    expect(lines((await ok(['consume', '--topic', 'gl-topic', '--group', 'gl-group'])).stdout)).toHaveLength(15);
    await ok(['produce', '--topic', 'gl-topic', '--partition', '1'], 'late-1\nlate-2\n');

    const listed = (await ok(['groups', 'list'])).stdout;
    expect(lines(listed)[0]).toMatch(/^GROUP\s+STATE\s+PROTOCOL-TYPE$/);
    expect(listed).toMatch(/^gl-group\s+Empty\s+consumer$/m);
    const listedJson = JSON.parse((await ok(['groups', 'list', '--format', 'json'])).stdout) as Array<Record<string, string>>;
    expect(listedJson).toContainEqual({ groupId: 'gl-group', state: 'Empty', protocolType: 'consumer' });

    const text = (await ok(['groups', 'describe', '--group', 'gl-group'])).stdout;
    const [summary, blank, header] = lines(text);
    expect(summary).toBe('Group: gl-group\tState: Empty\tProtocolType: consumer\tProtocol: -\tMembers: 0');
    expect(blank).toBe('');
    expect(header).toMatch(/^TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID$/);
    expect(lines(text).slice(3).map((l) => l.split(/ {2,}/))).toEqual([
      ['gl-topic', '0', '5', '5', '0', '-', '-', '-'],
      ['gl-topic', '1', '5', '7', '2', '-', '-', '-'],
      ['gl-topic', '2', '5', '5', '0', '-', '-', '-'],
    ]);

    const view = await describeJson('gl-group');
    expect(view).toMatchObject({ groupId: 'gl-group', state: 'Empty', protocolType: 'consumer', members: [] });
    expect(view.partitions.map((p) => [p.partition, p.currentOffset, p.logEndOffset, p.lag])).toEqual([
      [0, 5, 5, 0],
      [1, 5, 7, 2],
      [2, 5, 5, 0],
    ]);

    // Consuming the rest brings the lag to 0 everywhere.
    expect(lines((await ok(['consume', '--topic', 'gl-topic', '--group', 'gl-group'])).stdout)).toEqual(['late-1', 'late-2']);
    expect((await describeJson('gl-group')).partitions.map((p) => p.lag)).toEqual([0, 0, 0]);
  }, LONG_MS);

  it('fails with one line for a group that does not exist', async () => {
    for (const command of [['describe'], ['delete']]) {
      const r = await cli(['groups', ...command, '--group', 'no-such-group']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('error: group "no-such-group" does not exist — list groups with `tributary groups list`');
    }
  }, SHORT_MS);
});

describe('a group with an active member', () => {
  let follower: RunningCli | undefined;

  afterAll(async () => {
    await follower?.stop('SIGINT');
  });

  it('shows the member as owner of every partition, and refuses delete and reset-offsets until it stops', async () => {
    await ok(['topics', 'create', 'ga-topic', '--partitions', '2']);
    await ok(['produce', '--topic', 'ga-topic'], `${numbered('m', 6).join('\n')}\n`);
    follower = startCli(['consume', '--topic', 'ga-topic', '--group', 'ga-group', '--follow', '--from-beginning'], { bootstrap: broker.bootstrap });
    await follower.waitForLines(6, SHORT_MS);

    const view = await waitForGroup('ga-group', (v) => v.state === 'Stable' && v.partitions.every((p) => p.lag === 0) && v.partitions.length === 2);
    expect(view.members).toHaveLength(1);
    const [member] = view.members;
    expect(member!.clientId).toBe('tributary-cli');
    expect(member!.host).toMatch(/127\.0\.0\.1/);
    expect(member!.assignment).toEqual([{ topic: 'ga-topic', partitions: [0, 1] }]);
    expect(view.protocol).not.toBe('');
    for (const p of view.partitions) expect(p).toMatchObject({ consumerId: member!.memberId, host: member!.host, clientId: 'tributary-cli' });

    const text = (await ok(['groups', 'describe', '--group', 'ga-group'])).stdout;
    expect(lines(text)[0]).toMatch(/^Group: ga-group\tState: Stable\tProtocolType: consumer\tProtocol: \S+\tMembers: 1$/);
    for (const row of tableRows(text).slice(2)) expect(row.slice(5)).toEqual([member!.memberId, member!.host, 'tributary-cli']);

    const del = await cli(['groups', 'delete', '--group', 'ga-group']);
    expect(del.code).toBe(1);
    expect(del.stderr.trim()).toBe('error: group "ga-group" is not empty: it has 1 active member; stop them first');

    const reset = await cli(['groups', 'reset-offsets', '--group', 'ga-group', '--topic', 'ga-topic', '--to-earliest']);
    expect(reset.code).toBe(1);
    expect(reset.stderr.trim()).toBe('error: group "ga-group" has 1 active member; stop them first');

    expect(await follower.stop('SIGINT')).toBe(0);
    follower = undefined;
    await waitForGroup('ga-group', (v) => v.state === 'Empty');
    expect((await ok(['groups', 'delete', '--group', 'ga-group'])).stdout).toBe('deleted group "ga-group"\n');
    expect((await ok(['groups', 'list'])).stdout).not.toMatch(/^ga-group\s/m);
    // Deleting a group deletes its committed offsets: a new member starts from the beginning again.
    expect(lines((await ok(['consume', '--topic', 'ga-topic', '--group', 'ga-group'])).stdout).sort()).toEqual(numbered('m', 6));
  }, LONG_MS);
});

describe('groups reset-offsets', () => {
  const topic = 'gr-topic';
  const group = 'gr-group';
  let cut: string;

  beforeAll(async () => {
    await ok(['topics', 'create', topic]);
    await ok(['produce', '--topic', topic], `${numbered('old-', 4).join('\n')}\n`);
    await sleep(50);
    cut = new Date().toISOString();
    await sleep(50);
    await ok(['produce', '--topic', topic], `${numbered('new-', 3).join('\n')}\n`);
    await ok(['consume', '--topic', topic, '--group', group]); // commits 7
  }, SHORT_MS);

  const reset = (...args: string[]) => ok(['groups', 'reset-offsets', '--group', group, '--topic', topic, ...args]);
  const committed = async () => (await describeJson(group)).partitions.map((p) => p.currentOffset);

  it('--dry-run prints the plan and changes nothing', async () => {
    const r = await reset('--to-earliest', '--dry-run');
    expect(lines(r.stdout)[0]).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+NEW-OFFSET$/);
    expect(tableRows(r.stdout)).toEqual([[group, topic, '0', '7', '0']]);
    expect(r.stderr).toMatch(/dry run: no offsets were changed/);
    expect(await committed()).toEqual([7]);
  }, SHORT_MS);

  it('--to-earliest, --to-offset, --to-time and --to-latest move the committed offset, and consume --group follows it', async () => {
    expect(tableRows((await reset('--to-earliest')).stdout)).toEqual([[group, topic, '0', '7', '0']]);
    expect(await committed()).toEqual([0]);

    expect(tableRows((await reset('--to-offset', '5')).stdout)).toEqual([[group, topic, '0', '0', '5']]);
    expect(lines((await ok(['consume', '--topic', topic, '--group', group])).stdout)).toEqual(['new-1', 'new-2']);

    // Past the end is clamped to the end, as Kafka's tool does.
    expect(tableRows((await reset('--to-offset', '1000')).stdout)).toEqual([[group, topic, '0', '7', '7']]);

    expect(tableRows((await reset('--to-time', cut)).stdout)).toEqual([[group, topic, '0', '7', '4']]);
    expect(lines((await ok(['consume', '--topic', topic, '--group', group])).stdout)).toEqual(numbered('new-', 3));

    await reset('--to-time', '1h');
    expect(await committed()).toEqual([0]);
    expect(tableRows((await reset('--to-latest')).stdout)).toEqual([[group, topic, '0', '0', '7']]);
    expect(lines((await ok(['consume', '--topic', topic, '--group', group])).stdout)).toEqual([]);
  }, LONG_MS);

  it('creates the offsets of a group that does not exist yet', async () => {
    expect(tableRows((await ok(['groups', 'reset-offsets', '--group', 'gr-new', '--topic', topic, '--to-offset', '6'])).stdout)).toEqual([
      ['gr-new', topic, '0', '-', '6'],
    ]);
    expect(lines((await ok(['consume', '--topic', topic, '--group', 'gr-new'])).stdout)).toEqual(['new-2']);
  }, SHORT_MS);

  it('needs exactly one target and an existing topic', async () => {
    const none = await cli(['groups', 'reset-offsets', '--group', group, '--topic', topic]);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe('error: say where to move the offsets: --to-earliest, --to-latest, --to-offset <n> or --to-time <time>');

    const two = await cli(['groups', 'reset-offsets', '--group', group, '--topic', topic, '--to-earliest', '--to-offset', '3']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^error: option '--to-earliest' cannot be used with option '--to-offset <n>'/);

    const badTime = await cli(['groups', 'reset-offsets', '--group', group, '--topic', topic, '--to-time', 'yesterday']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/--to-time/);

    const missing = await cli(['groups', 'reset-offsets', '--group', group, '--topic', 'gr-no-such-topic', '--to-earliest']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('error: topic "gr-no-such-topic" does not exist — list topics with `tributary topics list`');
    expect(await committed()).toEqual([7]);
  }, SHORT_MS);
});
