import { defineMessage } from '../schema.js';

// CreateTopics Request (Version: 0-7) => [topics] timeout_ms validate_only
export const CreateTopicsRequest = defineMessage({
  name: 'CreateTopicsRequest', apiKey: 19, validVersions: '0-7', flexibleVersions: '5+',
  fields: [
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'numPartitions', type: 'int32', versions: '0+' },
      { name: 'replicationFactor', type: 'int16', versions: '0+' },
      { name: 'assignments', type: '[]', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'brokerIds', type: '[]int32', versions: '0+' },
      ] },
      { name: 'configs', type: '[]', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    { name: 'validateOnly', type: 'bool', versions: '1+', default: false },
  ],
});

// CreateTopics Response (Version: 0-7) => throttle_time_ms [topics]
export const CreateTopicsResponse = defineMessage({
  name: 'CreateTopicsResponse', apiKey: 19, validVersions: '0-7', flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+', default: 0 },
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'topicId', type: 'uuid', versions: '7+', default: Buffer.alloc(16) },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '1+', nullableVersions: '0+', default: null },
      { name: 'topicConfigErrorCode', type: 'int16', versions: '5+', taggedVersions: '5+', tag: 0 },
      { name: 'numPartitions', type: 'int32', versions: '5+', default: -1 },
      { name: 'replicationFactor', type: 'int16', versions: '5+', default: -1 },
      { name: 'configs', type: '[]', versions: '5+', nullableVersions: '5+', default: null, fields: [
        { name: 'name', type: 'string', versions: '5+' },
        { name: 'value', type: 'string', versions: '5+', nullableVersions: '5+' },
        { name: 'readOnly', type: 'bool', versions: '5+' },
        { name: 'configSource', type: 'int8', versions: '5+', default: -1 },
        { name: 'isSensitive', type: 'bool', versions: '5+' },
      ] },
    ] },
  ],
});
