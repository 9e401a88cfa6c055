import fs from 'node:fs/promises';
import type { Logger } from '../../common/logger.js';
import { defaultAcls, type AclBinding, type ResourceTypeName } from './acl.js';
import { addAcls, ensureAclsFile, parseAcls, removeAcls } from './acls-file.js';

/** The ACLs of one resource type, arranged so a decision looks at only the ACLs that can apply. */
export interface TypeIndex {
  /** Literal ACLs by resource name (the wildcard `*` included, under its own key). */
  literal: Map<string, AclBinding[]>;
  prefixed: AclBinding[];
}

export type AclIndex = ReadonlyMap<ResourceTypeName, TypeIndex>;

function buildIndex(acls: readonly AclBinding[]): AclIndex {
  const index = new Map<ResourceTypeName, TypeIndex>();
  for (const b of acls) {
    let t = index.get(b.resourceType);
    if (!t) index.set(b.resourceType, (t = { literal: new Map(), prefixed: [] }));
    if (b.patternType === 'PREFIXED') t.prefixed.push(b);
    else {
      const list = t.literal.get(b.resourceName);
      if (list) list.push(b);
      else t.literal.set(b.resourceName, [b]);
    }
  }
  return index;
}

/** How often the broker looks for changes made by `tributary acls` (a stat; the file is re-read only when it changed). */
export const ACL_RECHECK_MS = 1_000;

/**
 * The broker's view of DATA/acls.json. `tributary acls …` edits the file whether or not the broker runs; the broker
 * stats it every second and re-reads it when it changed, so a change applies within about a second. CreateAcls and
 * DeleteAcls change the file the same way and apply at once. A file that cannot be parsed leaves the last good ACLs in
 * force, with an error logged; a missing file means the default ACLs (as on a new install).
 */
export class AclStore {
  private acls: AclBinding[] = [];
  private index: AclIndex = new Map();
  /** Bumped on every change of the ACLs in force: the authorizer's cache is valid for one version. */
  version = 0;
  private seen = '';
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  /** Writes the default ACLs if the file does not exist, reads it, and starts watching it. */
  static async open(file: string, log: Logger, recheckMs = ACL_RECHECK_MS): Promise<AclStore> {
    const store = new AclStore(file, log);
    try {
      if (await ensureAclsFile(file)) log.info(`wrote the default ACLs to ${file}: User:agent may write and describe every topic`);
    } catch (e) {
      // A full or read-only disk must not keep the broker from starting: a missing file means the defaults anyway.
      log.error(`cannot write the default ACLs to ${file}: ${(e as Error).message}; they apply from memory until the file can be written`);
    }
    await store.refresh();
    store.timer = setInterval(() => void store.refresh(), recheckMs);
    store.timer.unref();
    return store;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  all(): readonly AclBinding[] {
    return this.acls;
  }

  byType(type: ResourceTypeName): TypeIndex | undefined {
    return this.index.get(type);
  }

  /** CreateAcls: adds them to the file and applies them now. */
  async add(acls: readonly AclBinding[]): Promise<number> {
    const n = await addAcls(this.file, acls);
    await this.reloadAfterChange();
    return n;
  }

  /** DeleteAcls: removes what `matches` selects from the file and applies it now. */
  async remove(matches: (b: AclBinding) => boolean): Promise<AclBinding[]> {
    const removed = await removeAcls(this.file, matches);
    await this.reloadAfterChange();
    return removed;
  }

  /** A refresh already running may have looked at the file before our change: wait for it, then look again. */
  private async reloadAfterChange(): Promise<void> {
    await this.loading;
    await this.refresh();
  }

  /** Re-reads the file if it changed since the last read (one refresh at a time; callers share it). */
  refresh(): Promise<void> {
    this.loading ??= this.reload().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private set(acls: AclBinding[]): void {
    this.acls = acls;
    this.index = buildIndex(acls);
    this.version++;
  }

  private async reload(): Promise<void> {
    let version: string;
    try {
      const st = await fs.stat(this.file, { bigint: true });
      version = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.error(`cannot read ${this.file}: ${(e as Error).message}; keeping the ACLs read before`);
        return;
      }
      if (this.seen !== 'missing') this.set(defaultAcls());
      this.seen = 'missing';
      return;
    }
    if (version === this.seen) return;
    try {
      this.set(parseAcls(await fs.readFile(this.file, 'utf8'), this.file));
    } catch (e) {
      this.log.error(`${(e as Error).message}; keeping the ACLs read before`);
    }
    this.seen = version;
  }
}
