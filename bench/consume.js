// Scenario 2: consume throughput. kcat (librdkafka, no group) reads the whole 6-partition throughput topic from the
// beginning and exits at the end (-e); the harness counts the lines and bytes it prints to check nothing was lost.
import { runCommand } from './child.js';
import { ensureThroughputData, TOPIC, VALUE_BYTES } from './produce.js';

export default {
  name: 'consume',
  title: 'Consume throughput (kcat -C -e -o beginning, all partitions)',
  async run(ctx) {
    const expected = await ensureThroughputData(ctx);
    let lines = 0;
    let bytes = 0;
    const count = (chunk) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    };
    const measure = ctx.broker.window();
    const { elapsedMs } = await runCommand(ctx.kcat.cmd, ['-C', '-b', ctx.broker.address, '-t', TOPIC, '-e', '-o', 'beginning', '-q'], {
      timeoutMs: ctx.timeoutMs(expected),
      label: 'kcat -C',
      onStdout: count,
    });
    const cost = measure();
    ctx.broker.assertAlive('consume');
    const valueBytes = bytes - lines; // every record is its value followed by '\n'
    if (lines !== expected || valueBytes !== expected * VALUE_BYTES) {
      throw new Error(`kcat -C read ${lines} records (${valueBytes} value bytes); expected ${expected} (${expected * VALUE_BYTES} bytes)`);
    }
    const seconds = elapsedMs / 1000;
    const recordsPerSec = lines / seconds;
    const mbPerSec = valueBytes / 1e6 / seconds;
    return {
      metrics: {
        records: lines,
        valueBytes: VALUE_BYTES,
        elapsedMs: Math.round(elapsedMs),
        recordsPerSec: Math.round(recordsPerSec),
        valueMBPerSec: Math.round(mbPerSec * 10) / 10,
        brokerCpuSeconds: Math.round(cost.brokerCpuSeconds * 10) / 10,
        brokerCpuPercent: Math.round((100 * cost.brokerCpuSeconds) / seconds),
        brokerPeakRssMB: Math.round((cost.brokerPeakRssBytes / 2 ** 20) * 10) / 10,
      },
      checks: [
        { name: 'consume records/s', value: Math.round(recordsPerSec), unit: 'records/s', op: '>=', target: 1_000_000 },
        { name: 'consumed = produced', value: lines, unit: 'records', op: '==', target: expected },
      ],
      summary: `${Math.round(recordsPerSec).toLocaleString('en-US')} records/s, ${Math.round(mbPerSec * 10) / 10} MB/s of values`,
    };
  },
};
