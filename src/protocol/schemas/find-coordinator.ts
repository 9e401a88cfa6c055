import { defineMessage } from '../schema.js';

// FindCoordinator Request (Version: 0-4) => key key_type [coordinator_keys]
export const FindCoordinatorRequest = defineMessage({
  name: 'FindCoordinatorRequest', apiKey: 10, validVersions: '0-4', flexibleVersions: '3+',
  fields: [
    { name: 'key', type: 'string', versions: '0-3' },
    { name: 'keyType', type: 'int8', versions: '1+', default: 0 },
    { name: 'coordinatorKeys', type: '[]string', versions: '4+' },
  ],
});

// FindCoordinator Response (Version: 0-4) => throttle_time_ms error_code error_message node_id host port [coordinators]
export const FindCoordinatorResponse = defineMessage({
  name: 'FindCoordinatorResponse', apiKey: 10, validVersions: '0-4', flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
    { name: 'errorCode', type: 'int16', versions: '0-3', default: 0 },
    { name: 'errorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3', default: null },
    { name: 'nodeId', type: 'int32', versions: '0-3', default: -1 },
    { name: 'host', type: 'string', versions: '0-3', default: '' },
    { name: 'port', type: 'int32', versions: '0-3', default: -1 },
    { name: 'coordinators', type: '[]', versions: '4+', default: [], fields: [
      { name: 'key', type: 'string', versions: '4+' },
      { name: 'nodeId', type: 'int32', versions: '4+' },
      { name: 'host', type: 'string', versions: '4+' },
      { name: 'port', type: 'int32', versions: '4+' },
      { name: 'errorCode', type: 'int16', versions: '4+' },
      { name: 'errorMessage', type: 'string', versions: '4+', nullableVersions: '4+', default: null },
    ] },
  ],
});
