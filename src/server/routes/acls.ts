import type { FastifyInstance } from 'fastify';
import { AclError, CLUSTER_NAME, defaultAcls, invalidAcl, OPERATIONS, sameAcl, type AclBinding, type OperationName } from '../../broker/security/acl.js';
import { aclsFilePath, addAcls, readAcls, removeAcls } from '../../broker/security/acls-file.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { RouteContext } from './context.js';

/*
 * The broker's ACLs from the GUI, as `tributary acls` and Kafka's CreateAcls/DescribeAcls/DeleteAcls manage them: the
 * same DATA/acls.json, changed under the same lock, in force on the running broker within a second.
 */

const OPERATION_NAMES = Object.keys(OPERATIONS).filter((o) => o !== 'ANY') as OperationName[];

const bindingProps = {
  principal: { type: 'string', minLength: 6, maxLength: 1024, pattern: '^User:.+$', description: 'User:NAME (a SASL user or a certificate subject), User:* for everyone' },
  resourceType: { type: 'string', enum: ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'] },
  resourceName: { type: 'string', maxLength: 1024, description: 'a name, * for all, or with PREFIXED a prefix ("" is every name); kafka-cluster for CLUSTER' },
  patternType: { type: 'string', enum: ['LITERAL', 'PREFIXED'], default: 'LITERAL' },
  host: { type: 'string', minLength: 1, maxLength: 64, default: '*', description: 'an IP address, or * for any' },
  permission: { type: 'string', enum: ['ALLOW', 'DENY'], default: 'ALLOW' },
} as const;

const aclSchema = {
  $id: 'Acl',
  type: 'object',
  required: ['principal', 'resourceType', 'resourceName', 'patternType', 'host', 'operation', 'permission'],
  properties: { ...bindingProps, operation: { type: 'string', enum: OPERATION_NAMES } },
} as const;

type BindingBody = Omit<AclBinding, 'operation'> & { operations: OperationName[] };

function fail(e: unknown): never {
  if (e instanceof AclError) throw badRequest(e.message);
  if ((e as Error).name === 'FileLockBusyError') throw new ApiError(503, 'BUSY', (e as Error).message, { 'Retry-After': '1' });
  throw e;
}

export async function aclRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addSchema(aclSchema);
  const tags = ['acls'];
  const file = () => aclsFilePath(ctx.services.logs.dataDir);

  app.get(
    '/api/v1/acls',
    {
      schema: {
        tags,
        summary: "The broker's ACLs, and the super users (who need none)",
        response: {
          200: {
            type: 'object',
            required: ['acls', 'superUsers'],
            properties: {
              acls: { type: 'array', items: { $ref: 'Acl#' } },
              superUsers: { type: 'array', items: { type: 'string' }, description: 'principals allowed everything (config superUsers); the loopback client without a login is one too' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => {
      try {
        // No file yet (a broker that never ran on this directory): the defaults it will write are what is in force.
        return { acls: readAcls(file()) ?? defaultAcls(), superUsers: ctx.services.superUsers?.() ?? [] };
      } catch (e) {
        return fail(e);
      }
    },
  );

  app.post<{ Body: BindingBody }>(
    '/api/v1/acls',
    {
      schema: {
        tags,
        summary: 'Grant (or DENY) operations on a resource to a principal; one ACL per operation',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['principal', 'resourceType', 'operations'],
          properties: { ...bindingProps, resourceName: { ...bindingProps.resourceName, default: '' }, operations: { type: 'array', minItems: 1, maxItems: 11, uniqueItems: true, items: { type: 'string', enum: OPERATION_NAMES } } },
        },
        response: { 201: { type: 'object', required: ['added'], properties: { added: { type: 'integer', description: 'ACLs that were not there yet' } } }, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const { operations, ...rest } = req.body;
      const base = { ...rest, resourceName: rest.resourceType === 'CLUSTER' ? CLUSTER_NAME : rest.resourceName };
      if (base.resourceType !== 'CLUSTER' && base.resourceName === '' && base.patternType === 'LITERAL') throw badRequest('name the resource (or * for all of them, or a prefix with patternType PREFIXED)');
      const bindings = operations.map((operation) => ({ ...base, operation }) as AclBinding);
      for (const b of bindings) {
        const bad = invalidAcl(b);
        if (bad) throw badRequest(bad);
      }
      const added = await addAcls(file(), bindings).catch(fail);
      ctx.services.logger.info(`ACLs added through the API: ${bindings.length} for ${base.principal} on ${base.resourceType} ${base.resourceName}`);
      return reply.code(201).send({ added });
    },
  );

  app.delete<{ Querystring: AclBinding }>(
    '/api/v1/acls',
    {
      schema: {
        tags,
        summary: 'Remove one ACL, named by all its fields',
        querystring: { type: 'object', additionalProperties: false, required: ['principal', 'resourceType', 'resourceName', 'operation'], properties: aclSchema.properties },
        response: { 204: { type: 'null' }, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const target = req.query;
      const removed = await removeAcls(file(), (b) => sameAcl(b, target)).catch(fail);
      if (removed.length === 0) throw notFound('no such ACL');
      ctx.services.logger.info(`ACL removed through the API: ${target.permission} ${target.operation} for ${target.principal} on ${target.resourceType} ${target.resourceName}`);
      return reply.code(204).send();
    },
  );
}
