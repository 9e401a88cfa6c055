import { describe, expect, it } from 'vitest';
import {
  describeTopicConfig,
  effectiveTopicConfig,
  parseTopicConfigOverrides,
  StorageError,
  TOPIC_CONFIG_DEFAULTS,
  TOPIC_CONFIG_KEYS,
  validateTopicName,
} from '../../src/storage/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as StorageError).code;
  }
  return undefined;
}

describe('topic config', () => {
  it('has Kafka-like defaults with a 1 s fsync', () => {
    expect(TOPIC_CONFIG_DEFAULTS).toMatchObject({
      'retention.ms': 604800000,
      'retention.bytes': -1,
      'segment.bytes': 1073741824,
      'segment.ms': 604800000,
      'segment.index.bytes': 10485760,
      'index.interval.bytes': 4096,
      'max.message.bytes': 1048588,
      'message.timestamp.type': 'CreateTime',
      'file.delete.delay.ms': 60000,
      'flush.messages': Number.MAX_SAFE_INTEGER,
      'flush.ms': 1000,
    });
  });

  it('parses string overrides into typed values', () => {
    expect(parseTopicConfigOverrides({ 'retention.ms': '1000', 'message.timestamp.type': 'LogAppendTime', 'retention.bytes': '-1' })).toEqual({
      'retention.ms': 1000,
      'message.timestamp.type': 'LogAppendTime',
      'retention.bytes': -1,
    });
    // Kafka's "forever" (Long.MAX_VALUE) is accepted and clamped to the largest exact number.
    expect(parseTopicConfigOverrides({ 'flush.messages': '9223372036854775807' })['flush.messages']).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects unknown keys and bad values with INVALID_CONFIG and a helpful message', () => {
    expect(codeOf(() => parseTopicConfigOverrides({ 'retention.msx': '1' }))).toBe('INVALID_CONFIG');
    expect(() => parseTopicConfigOverrides({ 'retention.msx': '1' })).toThrow(/supported keys are/);
    expect(codeOf(() => parseTopicConfigOverrides({ 'retention.ms': 'abc' }))).toBe('INVALID_CONFIG');
    expect(codeOf(() => parseTopicConfigOverrides({ 'retention.ms': '-2' }))).toBe('INVALID_CONFIG');
    expect(codeOf(() => parseTopicConfigOverrides({ 'segment.bytes': '3000000000' }))).toBe('INVALID_CONFIG');
    expect(codeOf(() => parseTopicConfigOverrides({ 'cleanup.policy': 'compact' }))).toBe('INVALID_CONFIG');
    expect(() => parseTopicConfigOverrides({ 'message.timestamp.type': 'Now' })).toThrow(/CreateTime, LogAppendTime/);
  });

  it('describes every key with value, source and documentation', () => {
    const defaults = effectiveTopicConfig(TOPIC_CONFIG_DEFAULTS, { 'segment.bytes': 1000 });
    const entries = describeTopicConfig({ 'retention.ms': 5 }, defaults);
    expect(entries.map((e) => e.name)).toEqual(TOPIC_CONFIG_KEYS);
    const by = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(by['retention.ms']).toMatchObject({ value: '5', source: 'TOPIC', isDefault: false, type: 'LONG' });
    expect(by['segment.bytes']).toMatchObject({ value: '1000', source: 'BROKER', isDefault: true, type: 'INT' });
    expect(by['index.interval.bytes']).toMatchObject({ value: '4096', source: 'DEFAULT', isDefault: true });
    for (const e of entries) expect(e.documentation.length).toBeGreaterThan(10);
  });
});

describe('validateTopicName', () => {
  it('accepts Kafka-legal names', () => {
    for (const n of ['a', 'orders', 'Orders.v2_x-1', 'x'.repeat(249)]) expect(validateTopicName(n)).toBeNull();
  });

  it('explains why a name is illegal', () => {
    expect(validateTopicName('')).toMatch(/empty/);
    expect(validateTopicName('.')).toMatch(/not allowed/);
    expect(validateTopicName('..')).toMatch(/not allowed/);
    expect(validateTopicName('x'.repeat(250))).toMatch(/at most 249/);
    expect(validateTopicName('a b')).toMatch(/characters other than/);
    expect(validateTopicName('a/b')).toMatch(/characters other than/);
    expect(validateTopicName('é')).toMatch(/characters other than/);
  });
});
