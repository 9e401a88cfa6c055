import { defineMessage } from '../schema.js';

// DeleteGroups Request (Version: 0-2) => [groups_names]
export const DeleteGroupsRequest = defineMessage({
  name: 'DeleteGroupsRequest', apiKey: 42, validVersions: '0-2', flexibleVersions: '2+',
  fields: [{ name: 'groupsNames', type: '[]string', versions: '0+' }],
});

// DeleteGroups Response (Version: 0-2) => throttle_time_ms [results]
export const DeleteGroupsResponse = defineMessage({
  name: 'DeleteGroupsResponse', apiKey: 42, validVersions: '0-2', flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', default: 0 },
    { name: 'results', type: '[]', versions: '0+', fields: [
      { name: 'groupId', type: 'string', versions: '0+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
    ] },
  ],
});
