import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

export const OPENAPI_PATH = '/api/v1/openapi.json';

/**
 * The OpenAPI document, generated from the routes' own JSON schemas (so it cannot drift from what is validated);
 * served at /api/v1/openapi.json and checked into docs/openapi.json (`npm run openapi`, and a test that fails when
 * the checked-in copy is stale). Register before any route.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tributary API',
        version,
        description:
          'The HTTP/WebSocket API of `tributary serve` (default http://127.0.0.1:9300). Every /api/v1 call needs the token: ' +
          '`Authorization: Bearer <token>`, or the cookie the URL printed by `serve` sets. Errors are `{"error": {"code", "message"}}`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'the token in __meta/api-token of the data directory' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'tributary_token', description: 'set by opening /?token=…' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    // @fastify/websocket hides its routes from the document; ours are part of the API, so they are shown, answering 101.
    transform: ({ schema, url, route }) =>
      (route as { websocket?: boolean }).websocket
        ? { schema: { ...schema, hide: false, response: { 101: { description: 'Switching Protocols: the connection is a WebSocket from here on' } } } as typeof schema, url }
        : { schema, url },
    // Shared schemas ($id) keep their names in components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true, response: { 200: { type: 'object', additionalProperties: true } } } }, async () => app.swagger());
}

/**
 * The OpenAPI document of this build, without services or a listener (for docs/openapi.json). `build` is
 * buildApiApp, passed in to keep this module free of an import cycle.
 */
export async function openApiDocument(
  build: (services: never, opts: { token: string; loopbackOnly: boolean; uiDir: string }) => Promise<{ app: FastifyInstance }>,
  version: string,
): Promise<unknown> {
  const services = { version, logger: { debug() {}, info() {}, warn() {}, error() {} } };
  const { app } = await build(services as never, { token: 'x'.repeat(43), loopbackOnly: true, uiDir: '/nonexistent' });
  try {
    return app.swagger();
  } finally {
    await app.close();
  }
}
