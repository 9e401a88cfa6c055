import { defineMessage } from '../schema.js';

// ApiVersions Request (Version: 0-3) => client_software_name client_software_version TAG_BUFFER
export const ApiVersionsRequest = defineMessage({
  name: 'ApiVersionsRequest', apiKey: 18, validVersions: '0-3', flexibleVersions: '3+',
  fields: [
    { name: 'clientSoftwareName', type: 'string', versions: '3+' },
    { name: 'clientSoftwareVersion', type: 'string', versions: '3+' },
  ],
});

// ApiVersions Response (Version: 0-3) => error_code [api_keys] throttle_time_ms TAG_BUFFER
export const ApiVersionsResponse = defineMessage({
  name: 'ApiVersionsResponse', apiKey: 18, validVersions: '0-3', flexibleVersions: '3+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'apiKeys', type: '[]', versions: '0+', fields: [
      { name: 'apiKey', type: 'int16', versions: '0+' },
      { name: 'minVersion', type: 'int16', versions: '0+' },
      { name: 'maxVersion', type: 'int16', versions: '0+' },
    ] },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
  ],
});
