import { defineMessage } from '../schema.js';

// CreatePartitions Request (Version: 0-3) => [topics] timeout_ms validate_only
export const CreatePartitionsRequest = defineMessage({
  name: 'CreatePartitionsRequest', apiKey: 37, validVersions: '0-3', flexibleVersions: '2+',
  fields: [
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'count', type: 'int32', versions: '0+' },
      { name: 'assignments', type: '[]', versions: '0+', nullableVersions: '0+', fields: [
        { name: 'brokerIds', type: '[]int32', versions: '0+' },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
});

// CreatePartitions Response (Version: 0-3) => throttle_time_ms [results]
export const CreatePartitionsResponse = defineMessage({
  name: 'CreatePartitionsResponse', apiKey: 37, validVersions: '0-3', flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', default: 0 },
    { name: 'results', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    ] },
  ],
});
