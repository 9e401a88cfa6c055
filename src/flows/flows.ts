import path from 'node:path';
import { InvalidValueError } from '../common/invalid-value.js';
import type { Logger } from '../common/logger.js';
import { SavedRegistry } from '../common/saved-registry.js';
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
  private readonly saved: SavedRegistry<FlowConfig>;
  private readonly state: FlowState;
  private started = false;

  constructor(
    private readonly dataDir: string,
    configured: readonly FlowConfig[],
    private readonly services: FlowServices,
    private readonly log: Logger,
    private readonly options: FlowsOptions = {},
  ) {
    this.state = new FlowState(dataDir);
    this.saved = new SavedRegistry({
      kind: 'flow',
      file: path.join(dataDir, FLOWS_FILE),
      configured: configured.map((f) => f.name),
      decode: (doc) => {
        if (!Array.isArray(doc)) throw new Error('not a list');
        return doc.map((f) => parseFlow(f));
      },
      encode: (saved) => saved,
      log,
    });
    for (const f of [...configured, ...this.saved.entries()]) this.flows.set(f.name, this.build(f));
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
    await this.saved.flushed();
  }

  private viewOf(f: Flow): FlowView {
    const c = f.config;
    return { ...f.view(), source: c.source, target: c.target, origin: this.saved.origin(c.name) };
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
    this.saved.assertWritable(name, 'change');
    const config = parseFlow(raw, name);
    if (!this.flows.has(name) && this.flows.size >= MAX_FLOWS) throw new InvalidValueError(`at most ${MAX_FLOWS} flows`, name);
    const old = this.flows.get(name);
    if (old) {
      old.abort.abort();
      await old.flow.stop();
    }
    const built = this.build(config);
    this.flows.set(name, built);
    await this.saved.put(config);
    if (this.started) built.flow.start();
    return this.viewOf(built.flow);
  }

  /** Removes an API flow (what it wrote stays; its saved positions are dropped). */
  async remove(name: string): Promise<boolean> {
    this.saved.assertWritable(name, 'remove');
    const f = this.flows.get(name);
    if (!f) return false;
    this.flows.delete(name);
    f.abort.abort();
    await f.flow.stop();
    await this.state.forget(name);
    await this.saved.remove(name);
    return true;
  }
}
