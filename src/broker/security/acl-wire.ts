import {
  OPERATIONS,
  PATTERN_TYPES,
  PERMISSIONS,
  RESOURCE_TYPES,
  invalidAcl,
  operationOf,
  patternTypeOf,
  permissionOf,
  resourceTypeOf,
  type AclBinding,
  type AclFilter,
} from './acl.js';

/*
 * ACLs and filters as DescribeAcls, CreateAcls and DeleteAcls carry them (Kafka's numeric codes), to and from the
 * model. Kafka's resource types DELEGATION_TOKEN (6) and USER (7) guard nothing in Tributary: a filter for them
 * matches nothing, a creation is refused.
 */

const UNUSED_RESOURCE_TYPES = new Set([6, 7]);

export interface WireFilter {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

/** The filter; null when it can match nothing here; a string when it is invalid (Kafka: INVALID_REQUEST). */
export function filterFromWire(w: WireFilter): AclFilter | null | string {
  const patternType = patternTypeOf(w.patternTypeFilter);
  const operation = operationOf(w.operation);
  const permission = permissionOf(w.permissionType);
  if (patternType === undefined) return `unknown pattern type ${w.patternTypeFilter} (1 any, 2 match, 3 literal, 4 prefixed)`;
  if (operation === undefined) return `unknown operation ${w.operation}`;
  if (permission === undefined) return `unknown permission type ${w.permissionType} (1 any, 2 deny, 3 allow)`;
  if (UNUSED_RESOURCE_TYPES.has(w.resourceTypeFilter)) return null;
  const resourceType = resourceTypeOf(w.resourceTypeFilter);
  if (resourceType === undefined) return `unknown resource type ${w.resourceTypeFilter}`;
  return { resourceType, resourceName: w.resourceNameFilter, patternType, principal: w.principalFilter, host: w.hostFilter, operation, permission };
}

export interface WireCreation {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** The binding, or why it cannot be created (Kafka: INVALID_REQUEST). */
export function bindingFromWire(w: WireCreation): AclBinding | string {
  const resourceType = resourceTypeOf(w.resourceType);
  const patternType = patternTypeOf(w.resourcePatternType);
  const operation = operationOf(w.operation);
  const permission = permissionOf(w.permissionType);
  if (resourceType === undefined || resourceType === 'ANY') return `resource type ${w.resourceType} cannot be given ACLs here (2 topic, 3 group, 4 cluster, 5 transactional id)`;
  if (patternType !== 'LITERAL' && patternType !== 'PREFIXED') return `pattern type ${w.resourcePatternType} is not literal (3) or prefixed (4)`;
  if (operation === undefined || operation === 'ANY') return `operation ${w.operation} is not one an ACL can grant`;
  if (permission !== 'ALLOW' && permission !== 'DENY') return `permission type ${w.permissionType} is not allow (3) or deny (2)`;
  const b: AclBinding = { resourceType, resourceName: w.resourceName, patternType, principal: w.principal, host: w.host, operation, permission };
  return invalidAcl(b) ?? b;
}

export function bindingToWire(b: AclBinding) {
  return {
    resourceType: RESOURCE_TYPES[b.resourceType],
    resourceName: b.resourceName,
    patternType: PATTERN_TYPES[b.patternType],
    principal: b.principal,
    host: b.host,
    operation: OPERATIONS[b.operation],
    permissionType: PERMISSIONS[b.permission],
  };
}
