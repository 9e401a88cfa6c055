import { defineMessage } from '../schema.js';

// ListOffsets Request (Version: 0-7) => replica_id isolation_level [topics]
export const ListOffsetsRequest = defineMessage({
  name: 'ListOffsetsRequest', apiKey: 2, validVersions: '0-7', flexibleVersions: '6+',
  fields: [
    { name: 'replicaId', type: 'int32', versions: '0+' },
    { name: 'isolationLevel', type: 'int8', versions: '2+', default: 0 },
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'currentLeaderEpoch', type: 'int32', versions: '4+', default: -1 },
        { name: 'timestamp', type: 'int64', versions: '0+' },
        { name: 'maxNumOffsets', type: 'int32', versions: '0', default: 1 },
      ] },
    ] },
  ],
});

// ListOffsets Response (Version: 0-7) => throttle_time_ms [topics]
export const ListOffsetsResponse = defineMessage({
  name: 'ListOffsetsResponse', apiKey: 2, validVersions: '0-7', flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+', default: 0 },
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'oldStyleOffsets', type: '[]int64', versions: '0', default: [] },
        { name: 'timestamp', type: 'int64', versions: '1+', default: -1 },
        { name: 'offset', type: 'int64', versions: '1+', default: -1 },
        { name: 'leaderEpoch', type: 'int32', versions: '4+', default: -1 },
      ] },
    ] },
  ],
});
