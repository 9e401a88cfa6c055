import { defineMessage } from '../schema.js';

const topicsRequest = [
  { name: 'name', type: 'string', versions: '0+' },
  { name: 'partitionIndexes', type: '[]int32', versions: '0+' },
] as const;

// OffsetFetch Request (Version: 0-8) => group_id [topics] [groups] require_stable
export const OffsetFetchRequest = defineMessage({
  name: 'OffsetFetchRequest', apiKey: 9, validVersions: '0-8', flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0-7', default: '' },
    { name: 'topics', type: '[]', versions: '0-7', nullableVersions: '2-7', default: [], fields: topicsRequest },
    { name: 'groups', type: '[]', versions: '8+', default: [], fields: [
      { name: 'groupId', type: 'string', versions: '8+' },
      { name: 'topics', type: '[]', versions: '8+', nullableVersions: '8+', fields: topicsRequest },
    ] },
    { name: 'requireStable', type: 'bool', versions: '7+', default: false },
  ],
});

const partitionsResponse = [
  { name: 'partitionIndex', type: 'int32', versions: '0+' },
  { name: 'committedOffset', type: 'int64', versions: '0+' },
  { name: 'committedLeaderEpoch', type: 'int32', versions: '5+', default: -1 },
  { name: 'metadata', type: 'string', versions: '0+', nullableVersions: '0+' },
  { name: 'errorCode', type: 'int16', versions: '0+' },
] as const;

// OffsetFetch Response (Version: 0-8) => throttle_time_ms [topics] error_code [groups]
export const OffsetFetchResponse = defineMessage({
  name: 'OffsetFetchResponse', apiKey: 9, validVersions: '0-8', flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+', default: 0 },
    { name: 'topics', type: '[]', versions: '0-7', default: [], fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]', versions: '0+', fields: partitionsResponse },
    ] },
    { name: 'errorCode', type: 'int16', versions: '2-7', default: 0 },
    { name: 'groups', type: '[]', versions: '8+', default: [], fields: [
      { name: 'groupId', type: 'string', versions: '8+' },
      { name: 'topics', type: '[]', versions: '8+', fields: [
        { name: 'name', type: 'string', versions: '8+' },
        { name: 'partitions', type: '[]', versions: '8+', fields: partitionsResponse },
      ] },
      { name: 'errorCode', type: 'int16', versions: '8+', default: 0 },
    ] },
  ],
});
