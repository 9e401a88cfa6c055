import { defineMessage } from '../schema.js';

// Metadata Request (Version: 0-9) => [topics] allow_auto_topic_creation include_cluster_authorized_operations include_topic_authorized_operations
export const MetadataRequest = defineMessage({
  name: 'MetadataRequest', apiKey: 3, validVersions: '0-9', flexibleVersions: '9+',
  fields: [
    { name: 'topics', type: '[]', versions: '0+', nullableVersions: '1+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
    ] },
    { name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: true },
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8+', default: false },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+', default: false },
  ],
});

// Metadata Response (Version: 0-9) => throttle_time_ms [brokers] cluster_id controller_id [topics] cluster_authorized_operations
export const MetadataResponse = defineMessage({
  name: 'MetadataResponse', apiKey: 3, validVersions: '0-9', flexibleVersions: '9+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+', default: 0 },
    { name: 'brokers', type: '[]', versions: '0+', fields: [
      { name: 'nodeId', type: 'int32', versions: '0+' },
      { name: 'host', type: 'string', versions: '0+' },
      { name: 'port', type: 'int32', versions: '0+' },
      { name: 'rack', type: 'string', versions: '1+', nullableVersions: '1+', default: null },
    ] },
    { name: 'clusterId', type: 'string', versions: '2+', nullableVersions: '2+', default: null },
    { name: 'controllerId', type: 'int32', versions: '1+', default: -1 },
    { name: 'topics', type: '[]', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'isInternal', type: 'bool', versions: '1+', default: false },
      { name: 'partitions', type: '[]', versions: '0+', fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'leaderId', type: 'int32', versions: '0+' },
        { name: 'leaderEpoch', type: 'int32', versions: '7+', default: -1 },
        { name: 'replicaNodes', type: '[]int32', versions: '0+' },
        { name: 'isrNodes', type: '[]int32', versions: '0+' },
        { name: 'offlineReplicas', type: '[]int32', versions: '5+', default: [] },
      ] },
      { name: 'topicAuthorizedOperations', type: 'int32', versions: '8+', default: -2147483648 },
    ] },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '8+', default: -2147483648 },
  ],
});
