// Scenario: agent shipping throughput. Pre-writes BENCH_AGENT_LINES (default 1000000) lines of 100 bytes to a file,
// runs `tributary agent --files … --start-at beginning --no-metrics` against the broker, and times from starting the
// agent until every line is in the topic (its end offset, polled every 50 ms over one admin connection). Reports
// lines/s and the agent's peak RSS (VmHWM, read just before it is stopped); SIGTERM must then stop it with exit 0.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { costMetrics, readCpuSeconds, readMemory } from './broker.js';
import { spawnTracked, tail, withTimeout } from './child.js';
import { createTopic, kafkaClient } from './kafka.js';
import { VALUE_BYTES, writeInputFile } from './produce.js';

export const TOPIC = 'bench-agent';
const BIN = fileURLToPath(new URL('../bin/tributary.js', import.meta.url));
const TARGET_LINES_PER_SEC = 200_000;
const TARGET_RSS_MB = 150;
const POLL_MS = 50;
const STOP_TIMEOUT_MS = 30_000;

const round1 = (x) => Math.round(x * 10) / 10;

/** Polls the topic's end offset until it reaches `lines`; rejects if the agent exits first or after timeoutMs. */
async function waitForLines(address, lines, agent, timeoutMs) {
  const admin = kafkaClient(address, 'tributary-bench-agent').admin();
  await withTimeout(admin.connect(), 30_000, 'admin connect');
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const offsets = await admin.fetchTopicOffsets(TOPIC);
      const stored = offsets.reduce((n, p) => n + Number(p.high), 0);
      if (stored >= lines) return stored;
      if (agent.exitCode !== null || agent.signalCode !== null) throw new Error(`the agent exited (${agent.exitCode ?? agent.signalCode}) with ${stored} of ${lines} lines stored`);
      if (Date.now() > deadline) throw new Error(`only ${stored} of ${lines} lines arrived within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export default {
  name: 'agent',
  title: 'Agent shipping throughput (tributary agent, 1 file of 100-byte lines, from the beginning)',
  async run(ctx) {
    const lines = Number(process.env.BENCH_AGENT_LINES ?? 1_000_000);
    if (!Number.isInteger(lines) || lines <= 0) throw new Error(`BENCH_AGENT_LINES must be a positive integer, got ${process.env.BENCH_AGENT_LINES}`);
    const dir = join(ctx.tmpDir, 'agent');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeInputFile(join(dir, 'logs', 'input.log'), lines);
    await createTopic(ctx.broker.address, TOPIC, 1); // every line has the same key (its path): one partition either way

    const measure = ctx.broker.window();
    const started = process.hrtime.bigint();
    const args = [BIN, 'agent', '--bootstrap', ctx.broker.address, '--files', join(dir, 'logs', '*.log'), '--start-at', 'beginning', '--no-metrics', '--topic', TOPIC, '--name', 'bench', '--data-dir', join(dir, 'data')];
    const agent = spawnTracked(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr = tail(agent.stderr);
    let elapsedMs;
    let memory;
    let agentCpuSeconds;
    try {
      await waitForLines(ctx.broker.address, lines, agent, ctx.timeoutMs(lines));
      elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      memory = readMemory(agent.pid);
      agentCpuSeconds = readCpuSeconds(agent.pid);
    } catch (e) {
      agent.kill('SIGKILL');
      throw new Error(`${e.message}\nagent stderr:\n${stderr()}`);
    }
    const cost = measure();
    ctx.broker.assertAlive('agent');
    const exited = new Promise((resolve) => agent.once('exit', (code, signal) => resolve({ code, signal })));
    agent.kill('SIGTERM');
    const exit = await withTimeout(exited, STOP_TIMEOUT_MS, 'agent shutdown after SIGTERM').catch((e) => {
      agent.kill('SIGKILL');
      throw e;
    });
    if (exit.code !== 0) throw new Error(`the agent exited with ${exit.code ?? exit.signal} after SIGTERM, not 0\nagent stderr:\n${stderr()}`);

    const seconds = elapsedMs / 1000;
    const linesPerSec = Math.round(lines / seconds);
    const peakMB = round1(memory.hwm / 2 ** 20);
    return {
      metrics: {
        lines,
        lineBytes: VALUE_BYTES,
        elapsedMs: Math.round(elapsedMs),
        linesPerSec,
        agentPeakRssMB: peakMB,
        agentCpuSeconds: agentCpuSeconds === null ? null : Math.round(agentCpuSeconds * 100) / 100,
        ...costMetrics(cost, seconds),
      },
      checks: [
        { name: 'agent shipping throughput', value: linesPerSec, unit: 'lines/s', op: '>=', target: TARGET_LINES_PER_SEC },
        { name: 'agent peak RSS (VmHWM)', value: peakMB, unit: 'MB', op: '<=', target: TARGET_RSS_MB },
      ],
      summary: `${lines.toLocaleString('en-US')} lines in ${seconds.toFixed(2)} s = ${linesPerSec.toLocaleString('en-US')} lines/s, agent peak RSS ${peakMB} MB`,
    };
  },
};
