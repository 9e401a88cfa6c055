import type { FastifyInstance } from 'fastify';
import { AuthFailureDelay } from '../broker/security/auth-failure-delay.js';
import { passwordMatches, SCRAM_MECHANISMS } from '../broker/security/scram.js';
import { readUsers, usersFilePath } from '../broker/security/users-file.js';
import { tokenCookie } from './auth.js';
import { ApiError } from './errors.js';
import type { ApiServices } from './services.js';

export const LOGIN_PATH = '/api/v1/login';

/*
 * Signing in to the API with a Kafka user instead of the token: a browser that never saw the printed URL (another
 * profile, the app's window after the cookie was cleared) gets the same cookie by name and password. Only super users
 * (the broker's superUsers) may: the API can change everything, as they can. Failures are slowed per address like
 * Kafka logins (200 ms doubling to 5 s, one check at a time), and every answer is the same whether or not the user
 * exists.
 */
export function registerLogin(app: FastifyInstance, token: string, services: ApiServices): void {
  const delay = new AuthFailureDelay();
  app.post<{ Body: { username: string; password: string } }>(
    LOGIN_PATH,
    {
      schema: {
        tags: ['overview'],
        summary: 'Sign in with a Kafka user that is a super user; sets the same cookie as the printed URL',
        security: [],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
        response: { 200: { type: 'object', required: ['user'], properties: { user: { type: 'string' } } } },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const outcome = await delay.check(req.ip, async () => {
        const creds = readUsers(usersFilePath(services.logs.dataDir)).get(username);
        const mechanism = SCRAM_MECHANISMS.find((m) => creds?.[m]);
        const ok = mechanism !== undefined && (await passwordMatches(mechanism, creds![mechanism]!, password));
        return { ok: ok && (services.superUsers?.() ?? []).includes(`User:${username}`) };
      });
      if (!outcome.ok) {
        services.logger.warn(`API sign-in as ${username.slice(0, 64)} from ${req.ip} refused`);
        throw new ApiError(401, 'UNAUTHORIZED', 'wrong user name or password, or the user is not a super user (superUsers) of this broker');
      }
      services.logger.info(`API sign-in as ${username} from ${req.ip}`);
      return reply.header('Set-Cookie', tokenCookie(token)).send({ user: username });
    },
  );
}
