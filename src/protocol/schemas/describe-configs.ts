import { defineMessage } from '../schema.js';

// DescribeConfigs Request (Version: 0-4) => [resources] include_synonyms include_documentation
export const DescribeConfigsRequest = defineMessage({
  name: 'DescribeConfigsRequest', apiKey: 32, validVersions: '0-4', flexibleVersions: '4+',
  fields: [
    { name: 'resources', type: '[]', versions: '0+', fields: [
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'configurationKeys', type: '[]string', versions: '0+', nullableVersions: '0+' },
    ] },
    { name: 'includeSynonyms', type: 'bool', versions: '1+', default: false },
    { name: 'includeDocumentation', type: 'bool', versions: '3+', default: false },
  ],
});

// DescribeConfigs Response (Version: 0-4) => throttle_time_ms [results]
export const DescribeConfigsResponse = defineMessage({
  name: 'DescribeConfigsResponse', apiKey: 32, validVersions: '0-4', flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', default: 0 },
    { name: 'results', type: '[]', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'configs', type: '[]', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'readOnly', type: 'bool', versions: '0+' },
        { name: 'isDefault', type: 'bool', versions: '0', default: false },
        { name: 'configSource', type: 'int8', versions: '1+', default: -1 },
        { name: 'isSensitive', type: 'bool', versions: '0+' },
        { name: 'synonyms', type: '[]', versions: '1+', default: [], fields: [
          { name: 'name', type: 'string', versions: '1+' },
          { name: 'value', type: 'string', versions: '1+', nullableVersions: '1+' },
          { name: 'source', type: 'int8', versions: '1+' },
        ] },
        { name: 'configType', type: 'int8', versions: '3+', default: 0 },
        { name: 'documentation', type: 'string', versions: '3+', nullableVersions: '0+', default: null },
      ] },
    ] },
  ],
});
