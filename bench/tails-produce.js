// Produce throughput with N tail clients following the topic against none, alternating runs on one broker (a quick
// look at what live tails cost producers; the full figure is part of the `search` scenario).
// Usage: node bench/tails-produce.js [MB=100] [clients=20] [rounds=3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, readCpuSeconds } from './broker.js';
import { findKcat, runCommand } from './child.js';
import { createTopic } from './kafka.js';
import { openRawTail } from './raw-tail.js';
import { writeLogLines } from './search-data.js';

const [mb = 100, clients = 20, rounds = 3] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'tails-produce-'));
const cpuProfDir = process.env.BENCH_PROFILE_DIR;
const broker = await startBroker({ dataDir: join(dir, 'data'), config: { defaultPartitions: 6 }, cpuProfDir });
const kcat = findKcat();
try {
  const m = await broker.waitForStdout(/ui on (http:\/\/\S+?)\/\?token=(\S+)/, 10_000);
  const api = { base: m[1], token: m[2] };
  const file = join(dir, 'lines.txt');
  writeLogLines(file, mb);
  const produce = async (topic) => {
    await createTopic(broker.address, topic, 6);
    const cpu0 = readCpuSeconds(broker.pid);
    const self0 = process.cpuUsage();
    const kids0 = readCpuSeconds(process.pid, { children: true }) - readCpuSeconds(process.pid);
    // The broker's event loop over the run (GET /api/v1/overview: 5 s windows), polled until the window after it.
    let loopMax = 0;
    let loopP99 = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const o = await fetch(`${api.base}/api/v1/overview`, { headers: { authorization: `Bearer ${api.token}` } }).then((r) => r.json());
        loopMax = Math.max(loopMax, o.eventLoop.delayMaxMs);
        loopP99 = Math.max(loopP99, o.eventLoop.delayP99Ms);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const { elapsedMs } = await runCommand(kcat.cmd, ['-P', '-b', broker.address, '-t', topic, '-X', 'acks=1', '-l', file], { timeoutMs: 600_000 });
    if (process.env.BENCH_EVENT_LOOP !== '0') await new Promise((r) => setTimeout(r, 5500));
    polling = false;
    await poll;
    const self = process.cpuUsage(self0);
    const kcatCpu = readCpuSeconds(process.pid, { children: true }) - readCpuSeconds(process.pid) - kids0;
    return { ms: elapsedMs, brokerCpu: readCpuSeconds(broker.pid) - cpu0, harnessCpu: (self.user + self.system) / 1e6, kcatCpu, loop: `loop p99 ${loopP99} max ${loopMax} ms` };
  };
  for (let r = 0; r < rounds; r++) {
    const none = process.env.TAILS_ONLY ? { ms: NaN, brokerCpu: NaN } : await produce(`none-${r}`);
    await createTopic(broker.address, `tailed-${r}`, 6);
    const tails = await Promise.all(Array.from({ length: clients }, () => openRawTail(api.base, `/api/v1/tail?topics=tailed-${r}`, api.token)));
    const tailed = await produce(`tailed-${r}`);
    for (const t of tails) t.close();
    const bytes = tails.reduce((n, t) => n + t.bytes, 0);
    console.log(
      `round ${r}: none ${Math.round(none.ms)} ms (cpu broker ${none.brokerCpu?.toFixed(2)} kcat ${none.kcatCpu?.toFixed(2)} harness ${none.harnessCpu?.toFixed(2)} s; ${none.loop}), ${clients} tails ${Math.round(tailed.ms)} ms (cpu broker ${tailed.brokerCpu.toFixed(2)} kcat ${tailed.kcatCpu.toFixed(2)} harness ${tailed.harnessCpu.toFixed(2)} s, ${(bytes / 1e6).toFixed(1)} MB to tails; ${tailed.loop}): ${Math.round((100 * none.ms) / tailed.ms)} %`,
    );
  }
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
