// `tributary consume` reads batches compressed with each of Kafka's codecs, as kcat (librdkafka) writes them. With
// kafkajs behind the CLI, snappy, lz4 and zstd topics failed ("Snappy compression not implemented").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { assertOk, runTool } from '../helpers/run-tool.js';

const available = requireTools(KCAT);

describe.skipIf(!available)('consume of compressed topics', () => {
  let broker: BrokerProcess;
  // Long, repetitive lines: librdkafka sends a batch uncompressed when compressing would not make it smaller.
  const lines = Array.from({ length: 3_000 }, (_, i) => `line ${i} ${'log text '.repeat(8)}${i % 13}`);

  beforeAll(async () => {
    broker = await startBroker();
  }, 30_000);

  afterAll(async () => {
    await stopAllBrokers();
  });

  it.each(['gzip', 'snappy', 'lz4', 'zstd'])('%s', async (codec) => {
    const topic = `cli-${codec}`;
    assertOk(await runCli(['topics', 'create', topic], { bootstrap: broker.bootstrap }), 'topics create');
    assertOk(await runTool('kcat', ['-P', '-b', broker.bootstrap, '-t', topic, '-z', codec], { input: `${lines.join('\n')}\n` }), `kcat -P -z ${codec}`);
    const r = assertOk(await runCli(['consume', '--topic', topic], { bootstrap: broker.bootstrap }), `consume ${topic}`);
    expect(r.stdout).toBe(`${lines.join('\n')}\n`);
  });
});
