import { errorCode } from '../../protocol/errors.js';
import type { Encodable } from '../../protocol/schema.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../protocol/schemas/describe-configs.js';
import { defineApi } from '../api.js';
import type { ConfigEntry } from '../topic-configs.js';

type Result = Encodable<typeof DescribeConfigsResponse>['results'][number];
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

export const describeConfigs = defineApi({
  request: DescribeConfigsRequest,
  response: DescribeConfigsResponse,
  handle(ctx, req) {
    const nodeId = ctx.identity.nodeId;
    const results: Result[] = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      let entries: ConfigEntry[];
      if (r.resourceType === RESOURCE_TOPIC) {
        if (!ctx.authorizer.authorize(ctx.session, 'DESCRIBE_CONFIGS', 'TOPIC', r.resourceName)) {
          return { ...base, errorCode: errorCode('TOPIC_AUTHORIZATION_FAILED'), errorMessage: `${ctx.session.principal} may not describe the configs of topic ${r.resourceName}`, configs: [] };
        }
        const topic = ctx.logs.getTopic(r.resourceName);
        if (!topic) return { ...base, errorCode: errorCode('UNKNOWN_TOPIC_OR_PARTITION'), errorMessage: `topic ${r.resourceName} does not exist`, configs: [] };
        entries = ctx.topics.describeTopicConfigs(topic);
      } else if (r.resourceType === RESOURCE_BROKER) {
        if (!ctx.authorizer.authorizeCluster(ctx.session, 'DESCRIBE_CONFIGS')) {
          return { ...base, errorCode: errorCode('CLUSTER_AUTHORIZATION_FAILED'), errorMessage: `${ctx.session.principal} may not describe the broker's configs`, configs: [] };
        }
        if (r.resourceName !== '' && r.resourceName !== String(nodeId)) {
          return { ...base, errorCode: errorCode('INVALID_REQUEST'), errorMessage: `unknown broker ${r.resourceName}; this broker is node ${nodeId}`, configs: [] };
        }
        entries = ctx.topics.describeBrokerConfigs();
      } else {
        return { ...base, errorCode: errorCode('INVALID_REQUEST'), errorMessage: `resource type ${r.resourceType} is not supported (2 = topic, 4 = broker)`, configs: [] };
      }
      const keys = r.configurationKeys ? new Set(r.configurationKeys) : null;
      return {
        ...base,
        errorCode: 0,
        errorMessage: null,
        configs: entries
          .filter((e) => !keys || keys.has(e.name))
          .map((e) => ({
            name: e.name,
            value: e.value,
            readOnly: e.readOnly,
            isDefault: e.isDefault,
            configSource: e.source,
            isSensitive: false,
            synonyms: req.includeSynonyms ? e.synonyms : [],
            configType: e.type,
            documentation: req.includeDocumentation ? e.documentation : null,
          })),
      };
    });
    return { throttleTimeMs: 0, results };
  },
});
