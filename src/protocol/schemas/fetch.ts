import { defineMessage } from '../schema.js';

// Fetch Request (Version: 4-12) => replica_id max_wait_ms min_bytes max_bytes isolation_level session_id session_epoch [topics] [forgotten_topics_data] rack_id
export const FetchRequest = defineMessage({
  name: 'FetchRequest', apiKey: 1, validVersions: '4-12', flexibleVersions: '12+',
  fields: [
    { name: 'clusterId', type: 'string', versions: '12+', nullableVersions: '12+', taggedVersions: '12+', tag: 0, default: null },
    { name: 'replicaId', type: 'int32', versions: '0+' },
    { name: 'maxWaitMs', type: 'int32', versions: '0+' },
    { name: 'minBytes', type: 'int32', versions: '0+' },
    { name: 'maxBytes', type: 'int32', versions: '3+', default: 0x7fffffff },
    { name: 'isolationLevel', type: 'int8', versions: '4+', default: 0 },
    { name: 'sessionId', type: 'int32', versions: '7+', default: 0 },
    { name: 'sessionEpoch', type: 'int32', versions: '7+', default: -1 },
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]', versions: '0+', fields: [
        { name: 'partition', type: 'int32', versions: '0+' },
        { name: 'currentLeaderEpoch', type: 'int32', versions: '9+', default: -1 },
        { name: 'fetchOffset', type: 'int64', versions: '0+' },
        { name: 'lastFetchedEpoch', type: 'int32', versions: '12+', default: -1 },
        { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
        { name: 'partitionMaxBytes', type: 'int32', versions: '0+' },
      ] },
    ] },
    { name: 'forgottenTopicsData', type: '[]', versions: '7+', fields: [
      { name: 'topic', type: 'string', versions: '7+' },
      { name: 'partitions', type: '[]int32', versions: '7+' },
    ] },
    { name: 'rackId', type: 'string', versions: '11+', default: '' },
  ],
});

// Fetch Response (Version: 4-12) => throttle_time_ms error_code session_id [responses]
export const FetchResponse = defineMessage({
  name: 'FetchResponse', apiKey: 1, validVersions: '4-12', flexibleVersions: '12+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
    { name: 'errorCode', type: 'int16', versions: '7+', default: 0 },
    { name: 'sessionId', type: 'int32', versions: '7+', default: 0 },
    { name: 'responses', type: '[]', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'highWatermark', type: 'int64', versions: '0+' },
        { name: 'lastStableOffset', type: 'int64', versions: '4+', default: -1 },
        { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
        { name: 'abortedTransactions', type: '[]', versions: '4+', nullableVersions: '4+', default: null, fields: [
          { name: 'producerId', type: 'int64', versions: '4+' },
          { name: 'firstOffset', type: 'int64', versions: '4+' },
        ] },
        { name: 'preferredReadReplica', type: 'int32', versions: '11+', default: -1 },
        { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
  ],
});
