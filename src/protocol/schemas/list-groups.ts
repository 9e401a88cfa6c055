import { defineMessage } from '../schema.js';

// ListGroups Request (Version: 0-4) => [states_filter]
export const ListGroupsRequest = defineMessage({
  name: 'ListGroupsRequest', apiKey: 16, validVersions: '0-4', flexibleVersions: '3+',
  fields: [{ name: 'statesFilter', type: '[]string', versions: '4+' }],
});

// ListGroups Response (Version: 0-4) => throttle_time_ms error_code [groups]
export const ListGroupsResponse = defineMessage({
  name: 'ListGroupsResponse', apiKey: 16, validVersions: '0-4', flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'groups', type: '[]', versions: '0+', fields: [
      { name: 'groupId', type: 'string', versions: '0+' },
      { name: 'protocolType', type: 'string', versions: '0+' },
      { name: 'groupState', type: 'string', versions: '4+', default: '' },
    ] },
  ],
});
