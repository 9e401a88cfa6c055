import { defineMessage } from '../schema.js';

// Produce Request (Version: 0-9) => transactional_id acks timeout_ms [topic_data]
// v0-2 carry only the pre-0.11 message formats, which the handler rejects (UNSUPPORTED_FOR_MESSAGE_FORMAT). They are
// still advertised, as Kafka 0.11-3.x does: librdkafka < 2.11.1 silently drops gzip, snappy and lz4 compression when
// the broker's Produce range does not include v0 (confluentinc/librdkafka#4956).
export const ProduceRequest = defineMessage({
  name: 'ProduceRequest', apiKey: 0, validVersions: '0-9', flexibleVersions: '9+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'acks', type: 'int16', versions: '0+' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    { name: 'topicData', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitionData', type: '[]', versions: '0+', fields: [
        { name: 'index', type: 'int32', versions: '0+' },
        { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
  ],
});

// Produce Response (Version: 0-9) => [responses] throttle_time_ms
export const ProduceResponse = defineMessage({
  name: 'ProduceResponse', apiKey: 0, validVersions: '0-9', flexibleVersions: '9+',
  fields: [
    { name: 'responses', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitionResponses', type: '[]', versions: '0+', fields: [
        { name: 'index', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'baseOffset', type: 'int64', versions: '0+' },
        { name: 'logAppendTimeMs', type: 'int64', versions: '2+', default: -1 },
        { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
        { name: 'recordErrors', type: '[]', versions: '8+', default: [], fields: [
          { name: 'batchIndex', type: 'int32', versions: '8+' },
          { name: 'batchIndexErrorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
        ] },
        { name: 'errorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
      ] },
    ] },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
  ],
});
