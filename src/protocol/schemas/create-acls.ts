import { defineMessage } from '../schema.js';

// CreateAcls Request (Version: 0-3) => [creations]
export const CreateAclsRequest = defineMessage({
  name: 'CreateAclsRequest', apiKey: 30, validVersions: '0-3', flexibleVersions: '2+',
  fields: [
    { name: 'creations', type: '[]', versions: '0+', fields: [
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'resourcePatternType', type: 'int8', versions: '1+', default: 3 },
      { name: 'principal', type: 'string', versions: '0+' },
      { name: 'host', type: 'string', versions: '0+' },
      { name: 'operation', type: 'int8', versions: '0+' },
      { name: 'permissionType', type: 'int8', versions: '0+' },
    ] },
  ],
});

// CreateAcls Response (Version: 0-3) => throttle_time_ms [results]
export const CreateAclsResponse = defineMessage({
  name: 'CreateAclsResponse', apiKey: 30, validVersions: '0-3', flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', default: 0 },
    { name: 'results', type: '[]', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    ] },
  ],
});
