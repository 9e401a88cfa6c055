import { isIP } from 'node:net';

/*
 * Access control lists in Kafka's model (org.apache.kafka.common.acl and .resource): an ACL binds a resource pattern
 * (type, name, literal or prefixed) to an entry (principal, host, operation, allow or deny). The numeric codes are
 * Kafka's, as DescribeAcls/CreateAcls/DeleteAcls carry them; the names are what acls.json and the CLI use.
 */

/** ResourceType codes. ANY (1) only in filters; DELEGATION_TOKEN (6) and USER (7) exist in Kafka but guard nothing here. */
export const RESOURCE_TYPES = { ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5 } as const;
export type ResourceTypeName = Exclude<keyof typeof RESOURCE_TYPES, 'ANY'>;

/** PatternType codes. ANY and MATCH only in filters. */
export const PATTERN_TYPES = { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export type PatternTypeName = 'LITERAL' | 'PREFIXED';

/** AclOperation codes. ANY only in filters. */
export const OPERATIONS = {
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;
export type OperationName = Exclude<keyof typeof OPERATIONS, 'ANY'>;

/** AclPermissionType codes. ANY only in filters. */
export const PERMISSIONS = { ANY: 1, DENY: 2, ALLOW: 3 } as const;
export type PermissionName = 'ALLOW' | 'DENY';

/** The name every CLUSTER resource has in Kafka (Resource.CLUSTER_NAME). */
export const CLUSTER_NAME = 'kafka-cluster';
/** A literal name, principal or host that matches any (Kafka's ResourcePattern.WILDCARD_RESOURCE, AclEntry.WILDCARD_*). */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

export interface AclBinding {
  resourceType: ResourceTypeName;
  resourceName: string;
  patternType: PatternTypeName;
  /** `User:NAME` (Kafka's KafkaPrincipal text), or `User:*`. */
  principal: string;
  /** An IP address, or `*`. */
  host: string;
  operation: OperationName;
  permission: PermissionName;
}

/** What DescribeAcls and DeleteAcls select by: null fields and ANY match anything, MATCH matches what applies to a name. */
export interface AclFilter {
  resourceType: ResourceTypeName | 'ANY';
  resourceName: string | null;
  patternType: PatternTypeName | 'ANY' | 'MATCH';
  principal: string | null;
  host: string | null;
  operation: OperationName | 'ANY';
  permission: PermissionName | 'ANY';
}

export class AclError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AclError';
  }
}

const byCode = <T extends Record<string, number>>(table: T) => new Map(Object.entries(table).map(([k, v]) => [v, k as keyof T & string]));
const RESOURCE_BY_CODE = byCode(RESOURCE_TYPES);
const PATTERN_BY_CODE = byCode(PATTERN_TYPES);
const OPERATION_BY_CODE = byCode(OPERATIONS);
const PERMISSION_BY_CODE = byCode(PERMISSIONS);

/** Kafka's codes to names; undefined for UNKNOWN (0) and codes this broker does not know. */
export const resourceTypeOf = (code: number) => RESOURCE_BY_CODE.get(code);
export const patternTypeOf = (code: number) => PATTERN_BY_CODE.get(code);
export const operationOf = (code: number) => OPERATION_BY_CODE.get(code);
export const permissionOf = (code: number) => PERMISSION_BY_CODE.get(code);

/**
 * Operations an ALLOW for the key also grants (Kafka's AclAuthorizer implied operations). Only ALLOW ACLs imply: a
 * DENY of READ does not deny DESCRIBE.
 */
export const IMPLIED_BY: Partial<Record<OperationName, readonly OperationName[]>> = {
  DESCRIBE: ['READ', 'WRITE', 'DELETE', 'ALTER'],
  DESCRIBE_CONFIGS: ['ALTER_CONFIGS'],
};

/** Operations that mean something on each resource type (Kafka's documented Operations and Resources table). */
const VALID_OPERATIONS: Record<ResourceTypeName, readonly OperationName[]> = {
  TOPIC: ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  GROUP: ['ALL', 'READ', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  CLUSTER: ['ALL', 'CREATE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE'],
  TRANSACTIONAL_ID: ['ALL', 'WRITE', 'DESCRIBE'],
};

const PRINCIPAL = /^[A-Za-z][A-Za-z0-9_]*:.+$/;

/** Null when the binding can be stored, else why not (in words a user can act on). */
export function invalidAcl(b: AclBinding): string | null {
  if (!PRINCIPAL.test(b.principal)) return `principal "${b.principal.slice(0, 80)}" must be TYPE:NAME, e.g. User:alice (or User:* for everyone)`;
  if (b.principal.length > 1024) return 'the principal is longer than 1024 characters';
  if (b.host !== WILDCARD && isIP(b.host) === 0) return `host "${b.host.slice(0, 80)}" must be an IP address or * (any host)`;
  if (b.resourceName.length > 1024) return 'the resource name is longer than 1024 characters';
  // Kafka refuses empty names; an empty prefix is how the design grants "every topic" (the same as literal *).
  if (b.resourceName === '' && b.patternType !== 'PREFIXED') return 'the resource name is empty (a prefixed pattern may be empty: it matches every name)';
  if (b.resourceType === 'CLUSTER' && b.resourceName !== CLUSTER_NAME) return `the cluster resource is named ${CLUSTER_NAME}`;
  if (!VALID_OPERATIONS[b.resourceType].includes(b.operation)) {
    return `operation ${b.operation} does not apply to a ${b.resourceType} (use one of ${VALID_OPERATIONS[b.resourceType].join(', ')})`;
  }
  return null;
}

/** Whether the ACL's pattern covers the resource `name` (of its type). */
export function patternMatches(b: Pick<AclBinding, 'resourceName' | 'patternType'>, name: string): boolean {
  if (b.patternType === 'PREFIXED') return name.startsWith(b.resourceName);
  return b.resourceName === name || b.resourceName === WILDCARD;
}

/** Kafka's AclBindingFilter.matches. */
export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== 'ANY' && f.resourceType !== b.resourceType) return false;
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== 'ANY' && f.operation !== b.operation) return false;
  if (f.permission !== 'ANY' && f.permission !== b.permission) return false;
  switch (f.patternType) {
    case 'ANY':
      return f.resourceName === null || f.resourceName === b.resourceName;
    case 'MATCH':
      return f.resourceName === null || patternMatches(b, f.resourceName);
    default:
      return f.patternType === b.patternType && (f.resourceName === null || f.resourceName === b.resourceName);
  }
}

/** One line for logs and the CLI. */
export function describeAcl(b: AclBinding): string {
  const pattern = b.patternType === 'PREFIXED' ? `prefixed "${b.resourceName}"` : `"${b.resourceName}"`;
  return `${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} ${pattern} from host ${b.host}`;
}

export const sameAcl = (a: AclBinding, b: AclBinding): boolean =>
  a.resourceType === b.resourceType &&
  a.resourceName === b.resourceName &&
  a.patternType === b.patternType &&
  a.principal === b.principal &&
  a.host === b.host &&
  a.operation === b.operation &&
  a.permission === b.permission;

/** What `User:agent` may do on a new install (the design's defaults): write and describe every topic, idempotently. */
export function defaultAcls(): AclBinding[] {
  const agent = { principal: 'User:agent', host: WILDCARD, permission: 'ALLOW' } as const;
  return [
    { ...agent, resourceType: 'TOPIC', resourceName: '', patternType: 'PREFIXED', operation: 'WRITE' },
    { ...agent, resourceType: 'TOPIC', resourceName: '', patternType: 'PREFIXED', operation: 'DESCRIBE' },
    { ...agent, resourceType: 'CLUSTER', resourceName: CLUSTER_NAME, patternType: 'LITERAL', operation: 'IDEMPOTENT_WRITE' },
  ];
}
