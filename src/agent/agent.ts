// `tributary agent`: file tailer and host metrics → shipper → Kafka. Positions are committed only after the shipper
// has the records (acknowledged by the broker, or fsynced in the disk buffer), and the tailer pauses while the
// shipper is saturated, so memory and disk stay bounded and nothing read is ever lost. The shipper's send journal
// lets a restarted agent continue as the same idempotent producer, so a crash sends nothing twice (restart.ts).
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from './config.js';
import { caDescription, usesTls, type ClientSecurity } from '../client/security.js';
import { defaultAgentDataDir, legacyAgentDataDir, lockDataDir, migrateDataDir } from './data-dir.js';
import { HostMetricsSource } from './host-metrics/index.js';
import type { DirLock } from '../common/dir-lock.js';
import { formatBytes, formatDuration } from '../common/format.js';
import { type Logger } from '../common/logger.js';
import { readJournal, Shipper } from './shipper/index.js';
import { FileTailer, lastPositions } from '../collect/tail/index.js';
import { planRestart, type Restart } from './restart.js';
import type { SourcedRecord } from '../collect/record.js';

export class Agent {
  private tailer: FileTailer | null = null;
  private metrics: HostMetricsSource | null = null;
  private readonly commits = new Set<Promise<void>>();
  private stopping: Promise<void> | null = null;
  private readonly startedAt = Date.now();
  /** Resolves with the fatal error when the agent cannot continue (it stops itself first). */
  readonly failed: Promise<Error>;
  private fail!: (err: Error) => void;

  private constructor(
    readonly config: AgentConfig,
    private readonly shipper: Shipper,
    private readonly lock: DirLock,
    private readonly logger: Logger,
  ) {
    this.failed = new Promise((resolve) => (this.fail = resolve));
  }

  static async start(config: AgentConfig, logger: Logger): Promise<Agent> {
    if (config.dataDir === defaultAgentDataDir(config.name)) await migrateDataDir(legacyAgentDataDir(config.name), config.dataDir, logger);
    await mkdir(config.dataDir, { recursive: true });
    const lock = lockDataDir(config.dataDir);
    let shipper: Shipper;
    let tailer: FileTailer | null = null;
    let restart: Restart;
    try {
      // The tailer exists before the shipper: it rebuilds the batches the last run was sending when it stopped.
      tailer = config.files.length > 0 ? createTailer(config, logger) : null;
      const journalFile = join(config.dataDir, 'send-journal');
      restart = await planRestart(readJournal(journalFile), tailer, logger);
      shipper = await Shipper.open({
        bootstrap: config.bootstrap,
        security: config.security,
        spoolDir: join(config.dataDir, 'spool'),
        clientId: `tributary-agent-${config.name}`,
        compression: config.compression,
        batchMaxRecords: config.batchMaxRecords,
        batchMaxBytes: config.batchMaxBytes,
        lingerMs: config.lingerMs,
        maxMemoryBytes: config.maxMemoryBytes,
        maxBufferBytes: config.maxBufferBytes,
        retryMaxBackoffMs: config.retryMaxBackoffMs,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        journal: { file: journalFile, identify: (fileId) => tailer?.identityOf(fileId), resume: restart.resume },
        logger,
      });
    } catch (err) {
      lock.release();
      throw err;
    }
    const agent = new Agent(config, shipper, lock, logger);
    shipper.on('fatal', (err: Error) => agent.fail(err));
    try {
      await agent.startSources(tailer, restart);
    } catch (err) {
      await agent.stop();
      throw err;
    }
    return agent;
  }

  private async startSources(tailer: FileTailer | null, restart: Restart): Promise<void> {
    const c = this.config;
    const host = os.hostname();
    if (tailer) {
      tailer.on('batch', (records) => this.ship(tailer, records));
      this.shipper.on('drain', () => tailer.resume());
      this.tailer = tailer;
      const started = tailer.start({ resume: restart.positions });
      // The rebuilt batches' lines count as read once the broker has them.
      const commits = restart.commits;
      this.shipper.replayed.forEach((stored, i) => {
        const done = Promise.all([stored, started])
          .then(() => tailer.commit(commits[i]!))
          .catch((err: Error) => this.fail(err))
          .finally(() => this.commits.delete(done));
        this.commits.add(done);
      });
      await started;
    }
    if (c.metrics) {
      this.metrics = new HostMetricsSource({ sink: this.shipper, topic: c.metricsTopic, intervalMs: c.metricsIntervalMs, host, agentName: c.name, logger: this.logger });
      this.metrics.start();
    }
    const what = [
      c.files.length > 0 ? `files ${c.files.join(' ')} → ${c.topic}` : null,
      c.metrics ? `host metrics every ${formatDuration(c.metricsIntervalMs)} → ${c.metricsTopic}` : null,
    ].filter(Boolean);
    this.logger.info(`agent "${c.name}" started: ${what.join('; ')}; data in ${c.dataDir} (disk buffer up to ${formatBytes(c.maxBufferBytes)}); ${connectionSummary(c.security)}`);
  }

  /** Hands a batch to the shipper; commits its positions once the shipper has it; pauses reading while saturated. */
  private ship(tailer: FileTailer, records: SourcedRecord[]): void {
    // Positions first: the closure below must not keep the records alive until the broker acknowledges them (the
    // shipper holds only their encoded bytes, which its memory bound counts).
    const positions = lastPositions(records);
    const done = this.shipper
      .write(this.config.topic, records)
      .then(() => tailer.commit(positions))
      .catch((err: Error) => this.fail(err))
      .finally(() => this.commits.delete(done));
    this.commits.add(done);
    if (this.shipper.saturated && !tailer.paused) tailer.pause();
  }

  /**
   * Stops reading, waits (bounded by shutdownTimeoutMs) for in-flight records to be acknowledged, buffers the rest on
   * disk, writes the checkpoint. Records read but not yet handed over are read again next time.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.tailer?.stop();
      await this.metrics?.stop();
      await this.shipper.close();
      await Promise.allSettled([...this.commits]);
      this.lock.release();
      this.logger.info(`agent "${this.config.name}" stopped after ${formatDuration(Date.now() - this.startedAt)}`);
    })();
    return this.stopping;
  }

  stats(): { shipper: ReturnType<Shipper['stats']>; tailer: ReturnType<FileTailer['stats']> | null } {
    return { shipper: this.shipper.stats(), tailer: this.tailer?.stats() ?? null };
  }
}

function createTailer(c: AgentConfig, logger: Logger): FileTailer {
  return new FileTailer({
    globs: c.files,
    exclude: c.exclude ?? undefined,
    startAt: c.startAt,
    checkpointFile: join(c.dataDir, 'checkpoint.json'),
    checkpointIntervalMs: c.checkpointIntervalMs,
    multiline: c.multilineStart === null ? undefined : { startPattern: new RegExp(c.multilineStart) },
    parse: c.parse,
    host: os.hostname(),
    agentName: c.name,
    log: { debug: () => undefined, info: (m) => logger.info(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
}

/** How the agent connects, for its start line, with a warning where the settings give secrecy away. */
function connectionSummary(s: ClientSecurity | undefined): string {
  if (!s || s.protocol === 'PLAINTEXT') return 'connecting in PLAINTEXT (no TLS, no login)';
  const parts: string[] = [s.protocol];
  if (s.sasl) parts.push(`${s.sasl.mechanism} as "${s.sasl.username}"`);
  if (usesTls(s)) parts.push(s.rejectUnauthorized === false ? 'WARNING: the broker\'s certificate is not verified' : `trusting ${caDescription(s)}`);
  if (s.protocol === 'SASL_PLAINTEXT' && s.sasl?.mechanism === 'PLAIN') parts.push('WARNING: PLAIN without TLS sends the password in the clear');
  return `connecting with ${parts.join(', ')}`;
}
