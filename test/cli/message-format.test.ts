import { describe, expect, it } from 'vitest';
import { formatMessage, type ConsumedMessage } from '../../src/cli/message-format.js';

const message: ConsumedMessage = {
  topic: 'logs',
  partition: 2,
  offset: '41',
  timestamp: '1714564800000',
  key: Buffer.from('host-1'),
  value: Buffer.from('disk "full"\tnow'),
  headers: { level: Buffer.from('warn'), dup: [Buffer.from('first'), Buffer.from('last')] },
};

describe('formatMessage', () => {
  it('prints only the value as text; a tombstone prints null', () => {
    expect(formatMessage(message, 'text')).toBe('disk "full"\tnow');
    expect(formatMessage({ ...message, value: null }, 'text')).toBe('null');
  });

  it('prints one JSON object with numbers for offset and timestamp and strings for the rest', () => {
    const line = formatMessage(message, 'json');
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      topic: 'logs',
      partition: 2,
      offset: 41,
      timestamp: 1714564800000,
      key: 'host-1',
      headers: { level: 'warn', dup: 'last' },
      value: 'disk "full"\tnow',
    });
  });

  it('keeps null keys and values as null in JSON', () => {
    expect(JSON.parse(formatMessage({ ...message, key: null, value: null, headers: undefined }, 'json'))).toMatchObject({
      key: null,
      value: null,
      headers: {},
    });
  });
});
