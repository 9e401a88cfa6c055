import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CliError, describeError } from '../../src/cli/errors.js';

const refused = (broker: string) =>
  new kafkajs.KafkaJSNumberOfRetriesExceeded(
    new kafkajs.KafkaJSConnectionError(`Connection error: connect ECONNREFUSED ${broker}`, { broker, code: 'ECONNREFUSED' }),
    { retryCount: 3, retryTime: 100 },
  );

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
    const err = new kafkajs.KafkaJSProtocolError('This server does not host this topic-partition');
    Object.assign(err, { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(describeError(err, { ...context, topic: 'logs' })).toBe(
      'topic "logs" does not exist — create it with `tributary topics create logs`',
    );
  });

  it('names the group for group errors', () => {
    const notFound = Object.assign(new kafkajs.KafkaJSProtocolError('The group id was not found'), { type: 'GROUP_ID_NOT_FOUND' });
    expect(describeError(notFound, { ...context, group: 'g1' })).toBe('group "g1" does not exist — list groups with `tributary groups list`');
    const nonEmpty = Object.assign(new kafkajs.KafkaJSProtocolError('The group is not empty'), { type: 'NON_EMPTY_GROUP' });
    expect(describeError(nonEmpty, { ...context, group: 'g1' })).toBe('group "g1" still has active members; stop its consumers first');
  });

  it('passes CliError messages through and always returns one line', () => {
    expect(describeError(new CliError('already explained'), context)).toBe('already explained');
    expect(describeError(new Error('first\n  second\n'), context)).toBe('first second');
  });
});
