import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SCRAM_MECHANISMS, MAX_ITERATIONS, MIN_ITERATIONS, type ScramMechanism } from '../../broker/security/scram.js';
import { addUser, deleteUser, listUsers, setPassword } from '../../broker/security/user-admin.js';
import { UsersFileError } from '../../broker/security/users-file.js';
import { ApiError, badRequest, conflict, notFound } from '../errors.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { RouteContext } from './context.js';

/*
 * The SASL users of the Kafka listeners, managed from the UI as `tributary users` does from a shell: the same
 * DATA/users.json, changed under the same lock, so the running broker sees a change at the next login. A password is
 * never returned once stored; one generated here is returned once, in the answer that created it.
 */

const userName = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._@+-]+$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: userName } } as const;
const mechanisms = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', enum: [...SCRAM_MECHANISMS] },
  description: 'SCRAM mechanisms to store a credential for (PLAIN logins are checked against them); default both',
} as const;
const passwordInput = {
  password: { type: 'string', minLength: 1, maxLength: 1024, description: 'omit to have one generated (returned once)' },
  mechanisms,
  iterations: { type: 'integer', minimum: MIN_ITERATIONS, maximum: MAX_ITERATIONS, description: 'PBKDF2 iterations; default 8192' },
} as const;

const userSchema = {
  type: 'object',
  required: ['name', 'mechanisms', 'iterations'],
  properties: { name: { type: 'string' }, mechanisms: { type: 'array', items: { type: 'string' } }, iterations: { type: 'integer' } },
} as const;
const createdSchema = {
  type: 'object',
  required: ['name', 'mechanisms'],
  properties: {
    name: { type: 'string' },
    mechanisms: { type: 'array', items: { type: 'string' } },
    password: { type: 'string', description: 'present only when it was generated: shown this once' },
  },
} as const;

interface PasswordBody {
  password?: string;
  mechanisms?: ScramMechanism[];
  iterations?: number;
}

/** The users file's refusals in HTTP terms: a missing user is 404, an existing one 409, anything else 400. */
function httpError(e: unknown): unknown {
  if (!(e instanceof UsersFileError)) return e;
  if (/^no user /.test(e.message)) return notFound(e.message);
  if (/already exists/.test(e.message)) return conflict(e.message);
  if (/is held by another/.test(e.message)) return new ApiError(503, 'BUSY', e.message, { 'Retry-After': '1' });
  return badRequest(e.message);
}

const generated = (): string => randomBytes(24).toString('base64url');

export async function userRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  // Read per request: the OpenAPI document is built with no services behind the routes.
  const dataDir = () => ctx.services.logs.dataDir;
  const tags = ['users'];

  app.get(
    '/api/v1/users',
    { schema: { tags, summary: 'SASL users of the Kafka listeners (names and mechanisms; never passwords)', response: { 200: { type: 'array', items: userSchema }, ...ERROR_RESPONSES } } },
    async () => {
      try {
        return listUsers(dataDir());
      } catch (e) {
        throw httpError(e);
      }
    },
  );

  app.post<{ Body: PasswordBody & { name: string } }>(
    '/api/v1/users',
    {
      schema: {
        tags,
        summary: 'Add a user; without a password one is generated and returned once',
        body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: userName, ...passwordInput } },
        response: { 201: createdSchema, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const { name, password, iterations } = req.body;
      const mechs = req.body.mechanisms ?? [...SCRAM_MECHANISMS];
      const pw = password ?? generated();
      await addUser(dataDir(), name, pw, mechs, iterations).catch((e) => {
        throw httpError(e);
      });
      ctx.services.logger.info(`user ${name} added through the API (${mechs.join(', ')})`);
      return reply.code(201).send({ name, mechanisms: mechs, ...(password === undefined ? { password: pw } : {}) });
    },
  );

  app.put<{ Params: { name: string }; Body: PasswordBody }>(
    '/api/v1/users/:name/password',
    {
      schema: {
        tags,
        summary: "Change a user's password; without one a new one is generated and returned once",
        params: nameParams,
        body: { type: 'object', additionalProperties: false, properties: passwordInput },
        response: { 200: createdSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const { name } = req.params;
      const { password, mechanisms: mechs, iterations } = req.body ?? {};
      const pw = password ?? generated();
      await setPassword(dataDir(), name, pw, mechs, iterations).catch((e) => {
        throw httpError(e);
      });
      ctx.services.logger.info(`password of user ${name} changed through the API`);
      const now = listUsers(dataDir()).find((u) => u.name === name);
      return { name, mechanisms: now?.mechanisms ?? mechs ?? [], ...(password === undefined ? { password: pw } : {}) };
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/users/:name',
    { schema: { tags, summary: 'Delete a user (connections already logged in stay open)', params: nameParams, response: { 204: { type: 'null' }, ...ERROR_RESPONSES } } },
    async (req, reply) => {
      await deleteUser(dataDir(), req.params.name).catch((e) => {
        throw httpError(e);
      });
      ctx.services.logger.info(`user ${req.params.name} deleted through the API`);
      return reply.code(204).send();
    },
  );
}
