import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import { InvalidValueError } from '../common/invalid-value.js';
import type { Logger } from '../common/logger.js';
import type { KafkaClient } from '../client/client.js';
import { DerivedTopicTarget, type LocalTopics } from './derived-topic-target.js';
import { FileTarget } from './file-target.js';
import { Flow, type FlowStatus } from './flow.js';
import { MAX_FLOWS, parseFlow, type FlowConfig } from './flow-config.js';
import { FlowState } from './flow-state.js';
import { HttpTarget } from './http-target.js';
import { RemoteTopicTarget } from './remote-topic-target.js';
import type { FlowTarget } from './target.js';

/** Flows added from the UI or API; the config file's own are never written here. */
export const FLOWS_FILE = path.join('__meta', 'flows.json');

export interface FlowView extends FlowStatus {
  source: FlowConfig['source'];
  target: FlowConfig['target'];
  /** From the config file (read-only here) or added through the API. */
  origin: 'config' | 'api';
}

export interface FlowServices extends LocalTopics {
  /** The Kafka client of a connection to another cluster (ingest/follow/Connections), for remote targets. */
  connection(name: string): KafkaClient | undefined;
}

export interface FlowsOptions {
  /** The HTTP target's first retry delay. */
  httpBackoffMs?: number;
}

/**
 * Every flow of this app: the config file's and those saved through the API (`__meta/flows.json`, rewritten whole
 * and atomically), each running continuously from its source topic's local log.
 */
export class Flows {
  private readonly flows = new Map<string, { flow: Flow; abort: AbortController }>();
  private readonly fromConfig: Set<string>;
  private saved: FlowConfig[];
  private readonly state: FlowState;
  private writing: Promise<void> = Promise.resolve();
  private started = false;

  constructor(
    private readonly dataDir: string,
    configured: readonly FlowConfig[],
    private readonly services: FlowServices,
    private readonly log: Logger,
    private readonly options: FlowsOptions = {},
  ) {
    this.state = new FlowState(dataDir);
    this.fromConfig = new Set(configured.map((f) => f.name));
    this.saved = this.readSaved().filter((f) => {
      if (!this.fromConfig.has(f.name)) return true;
      log.warn(`flow ${f.name} saved through the API is shadowed by the config file's flow of that name`);
      return false;
    });
    for (const f of [...configured, ...this.saved]) this.flows.set(f.name, this.build(f));
  }

  private build(config: FlowConfig): { flow: Flow; abort: AbortController } {
    const abort = new AbortController();
    const t = config.target;
    let target: FlowTarget;
    switch (t.kind) {
      case 'topic':
        target = new DerivedTopicTarget(this.services, config.source.topic, t.topic, t.reshape);
        break;
      case 'remote':
        target = new RemoteTopicTarget(
          () => {
            const c = this.services.connection(t.connection);
            if (!c) throw new Error(`no connection ${t.connection}; add it in the config file's "connections" or with PUT /api/v1/connections/${t.connection}`);
            return c;
          },
          t.connection,
          config.source.topic,
          t.topic,
        );
        break;
      case 'file':
        target = new FileTarget(path.resolve(this.dataDir, t.path), config.source.topic, t.maxBytes, t.keep);
        break;
      case 'http':
        target = new HttpTarget({ ...t, backoffMs: this.options.httpBackoffMs }, this.services, abort.signal);
        break;
    }
    return { flow: new Flow(config, target, this.services.logs, this.state, this.log, t.kind === 'http'), abort };
  }

  start(): void {
    this.started = true;
    for (const f of this.flows.values()) f.flow.start();
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.flows.values()].map((f) => {
        f.abort.abort();
        return f.flow.stop();
      }),
    );
    await this.writing;
  }

  private viewOf(f: Flow): FlowView {
    const c = f.config;
    return { ...f.view(), source: c.source, target: c.target, origin: this.fromConfig.has(c.name) ? 'config' : 'api' };
  }

  list(): FlowView[] {
    return [...this.flows.values()].map((f) => this.viewOf(f.flow));
  }

  get(name: string): FlowView | undefined {
    const f = this.flows.get(name);
    return f && this.viewOf(f.flow);
  }

  /** Adds or replaces an API flow (a replaced flow resumes where its target says). */
  async put(name: string, raw: unknown): Promise<FlowView> {
    if (this.fromConfig.has(name)) throw new InvalidValueError(`flow ${name} is set in the config file; change it there`, name);
    const config = parseFlow(raw, name);
    if (!this.flows.has(name) && this.flows.size >= MAX_FLOWS) throw new InvalidValueError(`at most ${MAX_FLOWS} flows`, name);
    const old = this.flows.get(name);
    if (old) {
      old.abort.abort();
      await old.flow.stop();
    }
    const built = this.build(config);
    this.flows.set(name, built);
    this.saved = [...this.saved.filter((f) => f.name !== name), config];
    await this.persist();
    if (this.started) built.flow.start();
    return this.viewOf(built.flow);
  }

  /** Removes an API flow (what it wrote stays; its saved positions are dropped). */
  async remove(name: string): Promise<boolean> {
    if (this.fromConfig.has(name)) throw new InvalidValueError(`flow ${name} is set in the config file; remove it there`, name);
    const f = this.flows.get(name);
    if (!f) return false;
    this.flows.delete(name);
    f.abort.abort();
    await f.flow.stop();
    await this.state.forget(name);
    this.saved = this.saved.filter((c) => c.name !== name);
    await this.persist();
    return true;
  }

  private readSaved(): FlowConfig[] {
    const file = path.join(this.dataDir, FLOWS_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    try {
      const list = JSON.parse(text) as unknown;
      if (!Array.isArray(list)) throw new Error('not a list');
      return list.map((f) => parseFlow(f));
    } catch (e) {
      fs.renameSync(file, `${file}.bad`);
      this.log.error(`${file} could not be read (${(e as Error).message}); moved to ${file}.bad, no saved flows loaded`);
      return [];
    }
  }

  private persist(): Promise<void> {
    const file = path.join(this.dataDir, FLOWS_FILE);
    const body = `${JSON.stringify(this.saved, null, 2)}\n`;
    this.writing = this.writing.then(() => writeFileAtomic(file, body));
    return this.writing;
  }
}
