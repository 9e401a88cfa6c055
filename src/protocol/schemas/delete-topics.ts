import { defineMessage } from '../schema.js';

// DeleteTopics Request (Version: 0-6) => [topics] [topic_names] timeout_ms
export const DeleteTopicsRequest = defineMessage({
  name: 'DeleteTopicsRequest', apiKey: 20, validVersions: '0-6', flexibleVersions: '4+',
  fields: [
    { name: 'topics', type: '[]', versions: '6+', fields: [
      { name: 'name', type: 'string', versions: '6+', nullableVersions: '6+', default: null },
      { name: 'topicId', type: 'uuid', versions: '6+' },
    ] },
    { name: 'topicNames', type: '[]string', versions: '0-5' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
});

// DeleteTopics Response (Version: 0-6) => throttle_time_ms [responses]
export const DeleteTopicsResponse = defineMessage({
  name: 'DeleteTopicsResponse', apiKey: 20, validVersions: '0-6', flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: 0 },
    { name: 'responses', type: '[]', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+', nullableVersions: '6+' },
      { name: 'topicId', type: 'uuid', versions: '6+', default: Buffer.alloc(16) },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    ] },
  ],
});
