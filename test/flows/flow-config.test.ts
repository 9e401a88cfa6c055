// The `flows` config key: defaults filled in, and every bad setting refused naming the flow and key, through the same
// loader `tributary serve --config` uses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/app/serve-config.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-flow-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const load = (flows: unknown) => {
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ flows }));
  return loadServeConfig({ configFile: file, dataDir: join(dir, 'data') }).flows;
};

describe('flows in the config file', () => {
  it('reads each kind, with the defaults of the optional settings', () => {
    const flows = load([
      { name: 'a', source: { topic: 'logs', query: 'level:error' }, target: { kind: 'topic', topic: 'errs', reshape: { fields: ['msg'] } } },
      { name: 'b', source: { topic: 'logs' }, target: { kind: 'file', path: 'x/out.ndjson' } },
      { name: 'c', source: { topic: 'logs' }, target: { kind: 'http', url: 'http://127.0.0.1:9/in', deadLetterTopic: 'dlq' } },
      { name: 'd', source: { topic: 'logs' }, target: { kind: 'remote', connection: 'central', topic: 'logs' } },
    ]);
    expect(flows).toEqual([
      { name: 'a', source: { topic: 'logs', query: 'level:error' }, target: { kind: 'topic', topic: 'errs', reshape: { fields: ['msg'], from: 'json' } } },
      { name: 'b', source: { topic: 'logs' }, target: { kind: 'file', path: 'x/out.ndjson', maxBytes: 100 * 1024 * 1024, keep: 5 } },
      { name: 'c', source: { topic: 'logs' }, target: { kind: 'http', url: 'http://127.0.0.1:9/in', batchRecords: 500, deadLetterTopic: 'dlq', attempts: 5 } },
      { name: 'd', source: { topic: 'logs' }, target: { kind: 'remote', connection: 'central', topic: 'logs' } },
    ]);
  });

  it('refuses bad settings naming the flow and the key', () => {
    expect(() => load({})).toThrow(/flows must be a list/);
    expect(() => load([{ name: 'x y', source: { topic: 'a' }, target: { kind: 'topic', topic: 'b' } }])).toThrow(/flow name "x y"/);
    expect(() => load([{ name: 'a', source: { topic: 'a' }, target: { kind: 'topic', topic: 'b' } }, { name: 'a', source: { topic: 'a' }, target: { kind: 'topic', topic: 'c' } }])).toThrow(/two flows are named a/);
    expect(() => load([{ name: 'f', source: { topic: 'a' }, target: { kind: 'file', path: 'o.ndjson', keep: 0 } }])).toThrow(/flows\.f\.target\.keep must be an integer from 1/);
    expect(() => load([{ name: 'h', source: { topic: 'a' }, target: { kind: 'http', url: 'http://x/', deadLetterTopic: 'a' } }])).toThrow(/flows\.h\.target\.deadLetterTopic must differ/);
    expect(() => load([{ name: 'r', source: { topic: 'a' }, target: { kind: 'remote', topic: 'b' } }])).toThrow(/flows\.r\.target\.connection/);
    expect(() => load([{ name: 'u', source: { topic: 'a', what: 1 }, target: { kind: 'topic', topic: 'b' } }])).toThrow(/unknown key "what"/);
  });
});
