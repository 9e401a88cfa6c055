import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../../common/atomic-file.js';
import { withFileLock } from '../../common/file-lock.js';
import {
  AclError,
  defaultAcls,
  OPERATIONS,
  RESOURCE_TYPES,
  invalidAcl,
  sameAcl,
  type AclBinding,
  type OperationName,
  type PatternTypeName,
  type PermissionName,
  type ResourceTypeName,
} from './acl.js';

/*
 * DATA/acls.json: every ACL, written whole and atomically with mode 0600. Changes (the CLI, CreateAcls/DeleteAcls) are
 * read-modify-write under a lock file, so the broker and `tributary acls` can change it at the same time; the broker
 * re-reads it when it changes (AclStore).
 */

export const ACLS_FILE = 'acls.json';
const VERSION = 1;

export const aclsFilePath = (dataDir: string): string => path.join(dataDir, ACLS_FILE);

const oneOf = <T extends string>(v: unknown, names: readonly string[]): v is T => typeof v === 'string' && names.includes(v);
const RESOURCE_NAMES = Object.keys(RESOURCE_TYPES).filter((k) => k !== 'ANY');
const OPERATION_NAMES = Object.keys(OPERATIONS).filter((k) => k !== 'ANY');

/** Parses the file's text; every problem names the file and the entry. */
export function parseAcls(text: string, file: string): AclBinding[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new AclError(`${file} is not valid JSON (${(e as Error).message}); restore it, or delete it to start again from the default ACLs`);
  }
  const o = doc as { version?: unknown; acls?: unknown };
  if (typeof o !== 'object' || o === null || o.version !== VERSION || !Array.isArray(o.acls)) throw new AclError(`${file} is not a Tributary ACL file (version ${VERSION})`);
  return o.acls.map((x: Record<string, unknown>, i) => {
    const where = `${file}: ACL #${i + 1}`;
    if (typeof x !== 'object' || x === null) throw new AclError(`${where} is not an object`);
    if (!oneOf<ResourceTypeName>(x.resourceType, RESOURCE_NAMES)) throw new AclError(`${where}: resourceType must be one of ${RESOURCE_NAMES.join(', ')}`);
    if (!oneOf<PatternTypeName>(x.patternType, ['LITERAL', 'PREFIXED'])) throw new AclError(`${where}: patternType must be LITERAL or PREFIXED`);
    if (!oneOf<OperationName>(x.operation, OPERATION_NAMES)) throw new AclError(`${where}: operation must be one of ${OPERATION_NAMES.join(', ')}`);
    if (!oneOf<PermissionName>(x.permission, ['ALLOW', 'DENY'])) throw new AclError(`${where}: permission must be ALLOW or DENY`);
    if (typeof x.resourceName !== 'string' || typeof x.principal !== 'string' || typeof x.host !== 'string') throw new AclError(`${where}: resourceName, principal and host must be strings`);
    const b: AclBinding = {
      resourceType: x.resourceType,
      resourceName: x.resourceName,
      patternType: x.patternType,
      principal: x.principal,
      host: x.host,
      operation: x.operation,
      permission: x.permission,
    };
    const bad = invalidAcl(b);
    if (bad) throw new AclError(`${where}: ${bad}`);
    return b;
  });
}

/** The ACLs in `file`; null when it does not exist (a new install: the broker writes the defaults). */
export function readAcls(file: string): AclBinding[] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AclError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return parseAcls(text, file);
}

export function writeAcls(file: string, acls: readonly AclBinding[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lines = acls.map((b) =>
    JSON.stringify({
      resourceType: b.resourceType,
      resourceName: b.resourceName,
      patternType: b.patternType,
      principal: b.principal,
      host: b.host,
      operation: b.operation,
      permission: b.permission,
    }),
  );
  // One ACL a line: a diff of the file reads as the list of changes.
  writeFileAtomicSync(file, `{"version": ${VERSION}, "acls": [\n${lines.map((l) => `  ${l}`).join(',\n')}\n]}\n`, { mode: 0o600 });
}

/**
 * Changes the file under its lock: `edit` gets the current ACLs (the defaults when there is no file yet: a missing file
 * means the defaults everywhere) and returns the new list, or null to leave the file as it is.
 */
export async function changeAcls<T>(file: string, edit: (acls: AclBinding[], existed: boolean) => { acls: AclBinding[] | null; result: T }): Promise<T> {
  return withFileLock(file, () => {
    const current = readAcls(file);
    const { acls, result } = edit(current ?? defaultAcls(), current !== null);
    if (acls) writeAcls(file, acls);
    return result;
  });
}

/** Adds the bindings not already there; returns how many were new. */
export function addAcls(file: string, add: readonly AclBinding[]): Promise<number> {
  for (const b of add) {
    const bad = invalidAcl(b);
    if (bad) throw new AclError(bad);
  }
  return changeAcls(file, (acls) => {
    const fresh = add.filter((b, i) => !acls.some((a) => sameAcl(a, b)) && add.findIndex((c) => sameAcl(c, b)) === i);
    return { acls: fresh.length > 0 ? [...acls, ...fresh] : null, result: fresh.length };
  });
}

/** Removes every binding `matches` selects; returns those removed. */
export function removeAcls(file: string, matches: (b: AclBinding) => boolean): Promise<AclBinding[]> {
  return changeAcls(file, (acls) => {
    const removed = acls.filter(matches);
    return { acls: removed.length > 0 ? acls.filter((b) => !matches(b)) : null, result: removed };
  });
}

/** Writes the default ACLs when the file does not exist yet; true if it did so. */
export function ensureAclsFile(file: string): Promise<boolean> {
  if (fs.existsSync(file)) return Promise.resolve(false);
  return changeAcls(file, (acls, existed) => ({ acls: existed ? null : acls, result: !existed }));
}
