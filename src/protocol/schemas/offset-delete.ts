import { defineMessage } from '../schema.js';

// OffsetDelete Request (Version: 0) => group_id [topics]
export const OffsetDeleteRequest = defineMessage({
  name: 'OffsetDeleteRequest', apiKey: 47, validVersions: '0', flexibleVersions: 'none',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]', versions: '0+', fields: [{ name: 'partitionIndex', type: 'int32', versions: '0+' }] },
    ] },
  ],
});

// OffsetDelete Response (Version: 0) => error_code throttle_time_ms [topics]
export const OffsetDeleteResponse = defineMessage({
  name: 'OffsetDeleteResponse', apiKey: 47, validVersions: '0', flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', default: 0 },
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
});
