import { defineMessage } from '../schema.js';

// Heartbeat Request (Version: 0-4) => group_id generation_id member_id group_instance_id
export const HeartbeatRequest = defineMessage({
  name: 'HeartbeatRequest', apiKey: 12, validVersions: '0-4', flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
  ],
});

// Heartbeat Response (Version: 0-4) => throttle_time_ms error_code
export const HeartbeatResponse = defineMessage({
  name: 'HeartbeatResponse', apiKey: 12, validVersions: '0-4', flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
});
