// `tributary acls add|list|remove`: the broker's ACLs in a data directory (DATA/acls.json), changed in place whether or
// not the broker runs; a running broker applies each change within about a second. Flags follow kafka-acls.sh.
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultDataDir } from '../common/data-root.js';
import { runOnce } from './command-runner.js';
import { CliError } from './errors.js';
import { formatTable } from './table.js';

// Types only: the broker's modules load when a command runs (as `tributary users` does).
type AclModel = typeof import('../broker/security/acl.js');
type AclBinding = import('../broker/security/acl.js').AclBinding;
type AclFilter = import('../broker/security/acl.js').AclFilter;
type OperationName = import('../broker/security/acl.js').OperationName;

interface AclOptions {
  dataDir?: string;
  principal?: string[];
  operation?: string[];
  topic?: string;
  group?: string;
  transactionalId?: string;
  cluster?: boolean;
  resourcePatternType?: string;
  deny?: boolean;
  allow?: boolean;
  host?: string;
}

const OPERATION_NAMES = ['All', 'Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'ClusterAction', 'DescribeConfigs', 'AlterConfigs', 'IdempotentWrite'];

/** Kafka's CLI spelling (IdempotentWrite, idempotent-write, IDEMPOTENT_WRITE) to the model's name. */
function parseOperation(value: string, previous: string[] | undefined): string[] {
  const v = value.trim().replace(/[-\s]/g, '_').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  if (!OPERATION_NAMES.some((n) => n.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() === v)) throw new InvalidArgumentError(`use one of ${OPERATION_NAMES.join(', ')}`);
  return [...new Set([...(previous ?? []), v])];
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function resource(o: AclOptions, model: AclModel): { type: AclBinding['resourceType']; name: string } | null {
  const given = [o.topic !== undefined && 'topic', o.group !== undefined && 'group', o.transactionalId !== undefined && 'transactional-id', o.cluster && 'cluster'].filter(Boolean);
  if (given.length > 1) throw new CliError(`give one resource, not ${given.map((g) => `--${g}`).join(' and ')}`);
  if (o.topic !== undefined) return { type: 'TOPIC', name: o.topic };
  if (o.group !== undefined) return { type: 'GROUP', name: o.group };
  if (o.transactionalId !== undefined) return { type: 'TRANSACTIONAL_ID', name: o.transactionalId };
  if (o.cluster) return { type: 'CLUSTER', name: model.CLUSTER_NAME };
  return null;
}

function patternType(o: AclOptions, allowed: readonly string[], fallback: string): string {
  const p = (o.resourcePatternType ?? fallback).toUpperCase();
  if (!allowed.includes(p)) throw new CliError(`--resource-pattern-type must be ${allowed.map((a) => a.toLowerCase()).join(', ')}`);
  return p;
}

function permissionFilter(o: AclOptions): AclFilter['permission'] {
  if (o.deny && o.allow) throw new CliError('give --allow or --deny, not both');
  return o.deny ? 'DENY' : o.allow ? 'ALLOW' : 'ANY';
}

async function load() {
  const model = await import('../broker/security/acl.js');
  const file = await import('../broker/security/acls-file.js');
  return { model, file };
}

const fail = (e: unknown): never => {
  const name = (e as Error).name;
  if (name === 'AclError' || name === 'FileLockBusyError') throw new CliError((e as Error).message);
  throw e;
};

/** The rows of `acls list`, in the file's order. */
function printAcls(acls: readonly AclBinding[]): void {
  const rows = acls.map((b) => [b.principal, b.permission, b.operation, b.resourceType, b.resourceName === '' ? '""' : b.resourceName, b.patternType, b.host]);
  process.stdout.write(formatTable(['PRINCIPAL', 'PERMISSION', 'OPERATION', 'RESOURCE', 'NAME', 'PATTERN', 'HOST'], rows));
}

const resourceOptions = (c: Command) =>
  c
    .option('--topic <name>', 'a topic (with --resource-pattern-type prefixed: every topic whose name starts with it; * is every topic)')
    .option('--group <name>', 'a consumer group (prefixed and * as for topics)')
    .option('--transactional-id <id>', 'a transactional id')
    .option('--cluster', 'the cluster (creating topics, idempotent producers, ACL changes, broker configs)')
    .option('--data-dir <dir>', 'the broker\'s data directory (default: the platform\'s)');

export function registerAcls(program: Command): void {
  const acls = program.command('acls').description('manage who may do what on topics, groups and the cluster (Kafka ACLs); applies to a running broker within a second');

  resourceOptions(
    acls
      .command('add')
      .description('grant (or with --deny, refuse) operations on a resource to a principal')
      .requiredOption('--principal <principal>', 'User:NAME (a SASL user or a certificate subject), User:* for everyone; repeatable', collect)
      .addOption(new Option('--operation <op>', `${OPERATION_NAMES.join(', ')}; repeatable`).argParser(parseOperation).makeOptionMandatory())
      .option('--resource-pattern-type <type>', 'literal (default) or prefixed')
      .option('--deny', 'a DENY ACL: it wins over every ALLOW')
      .option('--host <ip>', 'only for clients from this IP address (default: any host, *)'),
  ).action((opts: AclOptions) =>
    runOnce({ bootstrap: [] }, async () => {
      const { model, file } = await load();
      const r = resource(opts, model);
      if (!r) throw new CliError('name the resource: --topic NAME, --group NAME, --transactional-id ID or --cluster');
      const pattern = patternType(opts, ['LITERAL', 'PREFIXED'], 'LITERAL') as AclBinding['patternType'];
      const bindings: AclBinding[] = [];
      for (const principal of opts.principal!) {
        for (const operation of opts.operation! as OperationName[]) {
          const b: AclBinding = { resourceType: r.type, resourceName: r.name, patternType: pattern, principal, host: opts.host ?? model.WILDCARD, operation, permission: opts.deny ? 'DENY' : 'ALLOW' };
          const bad = model.invalidAcl(b);
          if (bad) throw new CliError(bad);
          bindings.push(b);
        }
      }
      const dataDir = opts.dataDir ?? defaultDataDir();
      const added = await file.addAcls(file.aclsFilePath(dataDir), bindings).catch(fail);
      for (const b of bindings) process.stdout.write(`${model.describeAcl(b)}\n`);
      process.stdout.write(`${added} ACL${added === 1 ? '' : 's'} added (${bindings.length - added} already there) in ${dataDir}\n`);
    }),
  );

  resourceOptions(
    acls
      .command('remove')
      .description('remove the ACLs matching the flags given (a flag left out matches any value)')
      .option('--principal <principal>', 'only this principal\'s ACLs; repeatable', collect)
      .addOption(new Option('--operation <op>', 'only these operations; repeatable').argParser(parseOperation))
      .option('--resource-pattern-type <type>', 'literal (default), prefixed, or any')
      .option('--deny', 'only DENY ACLs')
      .option('--allow', 'only ALLOW ACLs')
      .option('--host <ip>', 'only ACLs for this host'),
  ).action((opts: AclOptions) =>
    runOnce({ bootstrap: [] }, async () => {
      const { model, file } = await load();
      const r = resource(opts, model);
      if (!r) throw new CliError('name the resource whose ACLs to remove: --topic NAME, --group NAME, --transactional-id ID or --cluster');
      const filters: AclFilter[] = [];
      for (const principal of opts.principal ?? [null]) {
        for (const operation of (opts.operation ?? ['ANY']) as AclFilter['operation'][]) {
          filters.push({
            resourceType: r.type,
            resourceName: r.name,
            patternType: patternType(opts, ['LITERAL', 'PREFIXED', 'ANY'], 'LITERAL') as AclFilter['patternType'],
            principal,
            host: opts.host ?? null,
            operation,
            permission: permissionFilter(opts),
          });
        }
      }
      const dataDir = opts.dataDir ?? defaultDataDir();
      const removed = await file.removeAcls(file.aclsFilePath(dataDir), (b) => filters.some((f) => model.filterMatches(f, b))).catch(fail);
      for (const b of removed) process.stdout.write(`${model.describeAcl(b)}\n`);
      process.stdout.write(`${removed.length} ACL${removed.length === 1 ? '' : 's'} removed from ${dataDir}\n`);
    }),
  );

  resourceOptions(
    acls
      .command('list')
      .description('print the ACLs as a table; with a resource, those that apply to it (literal, * and matching prefixes)')
      .option('--principal <principal>', 'only this principal\'s ACLs', collect)
      .option('--resource-pattern-type <type>', 'with a resource: match (default), literal, prefixed or any'),
  ).action((opts: AclOptions) =>
    runOnce({ bootstrap: [] }, async () => {
      const { model, file } = await load();
      const r = resource(opts, model);
      let list: AclBinding[];
      try {
        list = file.readAcls(file.aclsFilePath(opts.dataDir ?? defaultDataDir())) ?? model.defaultAcls();
      } catch (e) {
        return fail(e);
      }
      const principals = opts.principal ? new Set(opts.principal) : null;
      const filter: AclFilter | null = r
        ? { resourceType: r.type, resourceName: r.name, patternType: patternType(opts, ['MATCH', 'LITERAL', 'PREFIXED', 'ANY'], 'MATCH') as AclFilter['patternType'], principal: null, host: null, operation: 'ANY', permission: 'ANY' }
        : null;
      printAcls(list.filter((b) => (!filter || model.filterMatches(filter, b)) && (!principals || principals.has(b.principal))));
    }),
  );
}
