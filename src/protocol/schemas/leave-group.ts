import { defineMessage } from '../schema.js';

// LeaveGroup Request (Version: 0-5) => group_id member_id [members]
export const LeaveGroupRequest = defineMessage({
  name: 'LeaveGroupRequest', apiKey: 13, validVersions: '0-5', flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0-2' },
    { name: 'members', type: '[]', versions: '3+', fields: [
      { name: 'memberId', type: 'string', versions: '3+' },
      { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
      { name: 'reason', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    ] },
  ],
});

// LeaveGroup Response (Version: 0-5) => throttle_time_ms error_code [members]
export const LeaveGroupResponse = defineMessage({
  name: 'LeaveGroupResponse', apiKey: 13, validVersions: '0-5', flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'members', type: '[]', versions: '3+', default: [], fields: [
      { name: 'memberId', type: 'string', versions: '3+' },
      { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
      { name: 'errorCode', type: 'int16', versions: '3+' },
    ] },
  ],
});
