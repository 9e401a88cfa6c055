import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/client/broker-connection.js';
import { kafkaError } from '../../src/client/errors.js';
import { CliError, describeError } from '../../src/cli/errors.js';

// What the client raises when nothing listens: a ConnectionError caused by the socket's ECONNREFUSED.
const refused = (broker: string) =>
  new ConnectionError(broker, 'connection refused', { cause: Object.assign(new Error(`connect ECONNREFUSED ${broker}`), { code: 'ECONNREFUSED' }) });

describe('describeError', () => {
  const context = { bootstrap: ['localhost:9092'] };

  it('explains an unreachable bootstrap broker and what to do', () => {
    expect(describeError(refused('localhost:9092'), context)).toBe(
      'cannot reach broker at localhost:9092: connection refused — is `tributary serve` running?',
    );
  });

  it('points at --advertised-host when the advertised address is the unreachable one', () => {
    expect(describeError(refused('myhost:9092'), context)).toMatch(
      /^cannot reach broker at myhost:9092: connection refused .*advertised by the broker.*--advertised-host/,
    );
  });

  it('names the missing topic', () => {
    const err = kafkaError('UNKNOWN_TOPIC_OR_PARTITION', { topic: 'logs' });
    expect(describeError(err, { ...context, topic: 'logs' })).toBe(
      'topic "logs" does not exist — create it with `tributary topics create logs`',
    );
  });

  it('names the group for group errors', () => {
    expect(describeError(kafkaError('GROUP_ID_NOT_FOUND', { group: 'g1' }), { ...context, group: 'g1' })).toBe('group "g1" does not exist — list groups with `tributary groups list`');
    expect(describeError(kafkaError('NON_EMPTY_GROUP', { group: 'g1' }), { ...context, group: 'g1' })).toBe('group "g1" still has active members; stop its consumers first');
  });

  it('says when a request timed out or the broker hung up', () => {
    expect(describeError(new ConnectionError('h:1', 'request timed out after 30 s'), context)).toBe(
      'request to broker at h:1 timed out — the broker may be overloaded or stuck',
    );
    expect(describeError(new ConnectionError('h:1', 'connection closed by the broker'), context)).toMatch(/^broker at h:1 closed the connection/);
  });

  it('passes CliError messages through and always returns one line', () => {
    expect(describeError(new CliError('already explained'), context)).toBe('already explained');
    expect(describeError(new Error('first\n  second\n'), context)).toBe('first second');
  });
});
