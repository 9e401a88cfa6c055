import type { Logger } from '../../common/logger.js';
import { ThrottledWarning } from '../throttled-warning.js';
import { CLUSTER_NAME, IMPLIED_BY, OPERATIONS, WILDCARD, WILDCARD_PRINCIPAL, type AclBinding, type OperationName, type ResourceTypeName } from './acl.js';
import type { AclStore, TypeIndex } from './acl-store.js';
import type { Session } from './session.js';

/** Resource types as one character, for cache keys. */
const TYPE_KEY: Record<ResourceTypeName, string> = { TOPIC: 't', GROUP: 'g', CLUSTER: 'c', TRANSACTIONAL_ID: 'x' };
/** Cached decisions per session before its cache starts again (a client naming endless topics cannot grow it without bound). */
const MAX_CACHED_RESOURCES = 10_000;
const MAX_CACHED_SESSIONS = 1_000;

/**
 * Kafka's authorizer rules (AclAuthorizer / StandardAuthorizer): super users and the loopback-anonymous user may do
 * everything; otherwise a matching DENY refuses, else a matching ALLOW grants, else the answer is no. An ACL matches
 * when its principal is the session's (or User:*), its host the client's (or *), its pattern covers the resource
 * (literal name, literal *, or a prefix) and its operation is the one asked, ALL, or (ALLOW only) one that implies it
 * (READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS).
 *
 * Produce asks once per topic per request, so decisions are cached per session and resource until the ACLs change:
 * a cached answer is two map lookups and a bit test.
 */
export class Authorizer {
  private readonly superUsers: ReadonlySet<string>;
  private readonly refusals: ThrottledWarning;
  /** session key -> resource key -> decided ops (bit op) and allowed ops (bit op + 16). */
  private cache = new Map<string, Map<string, number>>();
  private cacheVersion = -1;

  constructor(
    readonly store: AclStore,
    superUsers: readonly string[],
    logger: Logger,
  ) {
    this.superUsers = new Set(superUsers);
    this.refusals = new ThrottledWarning(logger, 5_000);
  }

  isSuperUser(s: Session): boolean {
    return s.loopbackAnonymous || this.superUsers.has(s.principal);
  }

  /**
   * May the session do `op` on the resource? A refusal is logged (rate-limited) unless `logRefusal` is false: Metadata
   * and ListGroups quietly leave out what a client may not see, as Kafka does.
   */
  authorize(s: Session, op: OperationName, type: ResourceTypeName, name: string, logRefusal = true): boolean {
    if (s.loopbackAnonymous || this.superUsers.has(s.principal)) return true;
    if (this.cacheVersion !== this.store.version) {
      this.cache = new Map();
      this.cacheVersion = this.store.version;
    }
    let resources = this.cache.get(s.key);
    if (!resources) {
      if (this.cache.size >= MAX_CACHED_SESSIONS) this.cache.clear();
      this.cache.set(s.key, (resources = new Map()));
    }
    const key = TYPE_KEY[type] + name;
    const bit = OPERATIONS[op];
    let bits = resources.get(key) ?? 0;
    if ((bits & (1 << bit)) === 0) {
      const allowed = decide(this.store.byType(type), s, op, name);
      bits |= (1 << bit) | (allowed ? 1 << (bit + 16) : 0);
      if (resources.size >= MAX_CACHED_RESOURCES) resources.clear();
      resources.set(key, bits);
    }
    const allowed = (bits & (1 << (bit + 16))) !== 0;
    if (!allowed && logRefusal) this.refused(s, op, type, name);
    return allowed;
  }

  /** On the cluster (Kafka names it `kafka-cluster`). */
  authorizeCluster(s: Session, op: OperationName, logRefusal = true): boolean {
    return this.authorize(s, op, 'CLUSTER', CLUSTER_NAME, logRefusal);
  }

  /**
   * Kafka's authorizeByResourceType (InitProducerId without IDEMPOTENT_WRITE: "WRITE on any topic"): an ALLOW for the
   * operation on some pattern of the type that no DENY for the session covers whole. Not cached: it is asked once per
   * producer.
   */
  authorizeAny(s: Session, op: OperationName, type: ResourceTypeName): boolean {
    if (this.isSuperUser(s)) return true;
    const t = this.store.byType(type);
    if (!t) return false;
    const all = [...t.literal.values()].flat().concat(t.prefixed).filter((b) => applies(b, s) && (b.operation === op || b.operation === 'ALL'));
    const denies = all.filter((b) => b.permission === 'DENY');
    const covers = (d: AclBinding, a: AclBinding) =>
      d.patternType === 'PREFIXED' ? a.resourceName.startsWith(d.resourceName) : d.resourceName === WILDCARD || (a.patternType === 'LITERAL' && d.resourceName === a.resourceName);
    return all.some((a) => a.permission === 'ALLOW' && !denies.some((d) => covers(d, a)));
  }

  /** Logs a refusal decided elsewhere (a handler that checks several resources and refuses once). */
  refused(s: Session, op: OperationName, type: ResourceTypeName, name: string): void {
    this.refusals.warn(`authorization refused: ${s.principal} from ${s.host} may not ${op} ${type} "${name.slice(0, 200)}" (grant it with tributary acls add)`);
  }
}

function applies(b: AclBinding, s: Session): boolean {
  return (b.principal === s.principal || b.principal === WILDCARD_PRINCIPAL) && (b.host === s.host || b.host === WILDCARD);
}

/** The rules, on the ACLs of one resource type. */
export function decide(t: TypeIndex | undefined, s: Session, op: OperationName, name: string): boolean {
  if (!t) return false;
  const implying = IMPLIED_BY[op];
  let allowed = false;
  let denied = false;
  const visit = (list: readonly AclBinding[] | undefined, prefixed: boolean) => {
    if (!list) return;
    for (const b of list) {
      if (prefixed && !name.startsWith(b.resourceName)) continue;
      if (!applies(b, s)) continue;
      if (b.permission === 'DENY') {
        if (b.operation === op || b.operation === 'ALL') denied = true;
      } else if (b.operation === op || b.operation === 'ALL' || (implying !== undefined && implying.includes(b.operation))) {
        allowed = true;
      }
    }
  };
  visit(t.literal.get(name), false);
  if (name !== WILDCARD) visit(t.literal.get(WILDCARD), false);
  visit(t.prefixed, true);
  return allowed && !denied;
}
