import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { HostPort } from '../common/host-port.js';
import { formatHostPort } from '../common/host-port.js';
import { isLoopback } from '../common/listen.js';
import { registerAuth } from './auth.js';
import { registerLogin } from './login.js';
import { DashboardStore } from './dashboard-store.js';
import { errorSchema, pathOf, registerErrorHandling } from './errors.js';
import { ConcurrencyLimiter } from './limiter.js';
import { openApiDocument, registerOpenApi } from './openapi.js';
import { RateSampler } from './rates.js';
import { EventLoopHealth } from './event-loop-health.js';
import { registerRoutes, type RouteContext, type RouteModule } from './routes/index.js';
import type { ApiServices } from './services.js';
import { loadOrCreateToken } from './token.js';
import { DEFAULT_UI_DIR, registerUi } from './ui.js';

/** Largest request body: a produced value of 16 MiB, written as JSON (or base64). */
const BODY_LIMIT = 24 * 1024 * 1024;
/** Default: expensive reads (browsing; searches reuse the limiter) running at once before 429. */
export const DEFAULT_MAX_CONCURRENT_READS = 8;
/** Open connections (HTTP keep-alive and WebSockets) at once; more are refused by the OS listener. */
const MAX_CONNECTIONS = 1024;
/** WebSocket messages a client may send; ours are small (subscriptions, filters). */
const WS_MAX_PAYLOAD = 1024 * 1024;

export interface ApiAppOptions {
  token: string;
  /** Listening on loopback: requests must name a loopback Host (no DNS rebinding). */
  loopbackOnly: boolean;
  uiDir?: string;
  maxConcurrentReads?: number;
  /** More route modules (the search, tail and export areas register here). */
  extraRoutes?: readonly RouteModule[];
  /** Where the GUI's dashboards are kept; none (the OpenAPI build): the dashboard routes answer 503. */
  dataDir?: string;
}

export interface ApiApp {
  app: FastifyInstance;
  context: RouteContext;
}

/** The Fastify app with every plugin and route, not listening yet (tests use inject; the OpenAPI build uses it as is). */
export async function buildApiApp(services: ApiServices, opts: ApiAppOptions): Promise<ApiApp> {
  const app = Fastify({
    logger: false, // no request log of its own: ours (below) never writes query strings, which may hold the token
    bodyLimit: BODY_LIMIT,
    requestTimeout: 120_000,
    keepAliveTimeout: 5_000,
    forceCloseConnections: true,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, allErrors: false, allowUnionTypes: true } },
  });
  const log = services.logger;
  app.addSchema(errorSchema);
  registerErrorHandling(app, log);
  await registerOpenApi(app, services.version);
  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } });
  registerAuth(app, { token: opts.token, loopbackOnly: opts.loopbackOnly });
  // No page of this server may be framed by another site, sniffed as another type, or leak its URL in a Referer.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
  });
  // Our own request log, at debug level and without query strings (a WebSocket may carry ?token=).
  app.addHook('onResponse', async (req, reply) => {
    log.debug(`api ${req.method} ${pathOf(req)} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`);
  });
  const context: RouteContext = {
    services,
    rates: new RateSampler(services),
    eventLoop: new EventLoopHealth(),
    readLimiter: new ConcurrencyLimiter(opts.maxConcurrentReads ?? DEFAULT_MAX_CONCURRENT_READS, 1, 'expensive reads (browsing, searches)'),
    dashboards: opts.dataDir ? DashboardStore.open(opts.dataDir) : null,
  };
  await registerUi(app, opts.token, opts.uiDir ?? DEFAULT_UI_DIR);
  registerLogin(app, opts.token, services);
  await registerRoutes(app, context, opts.extraRoutes);
  await app.ready();
  return { app, context };
}

export interface ApiServerOptions extends Omit<ApiAppOptions, 'token' | 'loopbackOnly'> {
  listen: HostPort;
  /** Listening on a non-loopback address was asked for explicitly (--http-public). */
  public: boolean;
  dataDir: string;
}

/** A browser-ready http URL of a bound address (a wildcard address is reached through loopback). */
function urlHost(host: string): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return h.includes(':') ? `[${h}]` : h;
}

/** The HTTP/WebSocket API: its listener, token, rate sampler. Started after the broker, stopped before it. */
export class ApiServer {
  private constructor(
    private readonly app: FastifyInstance,
    readonly context: RouteContext,
    readonly token: string,
    private readonly bound: HostPort,
  ) {}

  static async start(services: ApiServices, options: ApiServerOptions): Promise<ApiServer> {
    const { listen } = options;
    if (!isLoopback(listen.host) && !options.public) {
      throw new Error(`the API would listen on ${formatHostPort(listen)}, which other machines can reach; pass --http-public (or "httpPublic": true) if you mean it, or listen on 127.0.0.1`);
    }
    const token = loadOrCreateToken(options.dataDir, services.logger);
    const { app, context } = await buildApiApp(services, { ...options, token, loopbackOnly: isLoopback(listen.host) });
    try {
      await app.listen({ host: listen.host, port: listen.port });
    } catch (e) {
      await app.close();
      const err = e as NodeJS.ErrnoException;
      const hint = err.code === 'EADDRINUSE' ? ' — another Tributary (or another program) uses it; choose another with --http HOST:PORT, or --http off' : '';
      throw new Error(`cannot listen for the API on ${formatHostPort(listen)}: ${err.message}${hint}`, { cause: e });
    }
    app.server.maxConnections = MAX_CONNECTIONS;
    const a = app.server.address();
    const bound = a && typeof a === 'object' ? { host: a.address, port: a.port } : listen;
    if (!isLoopback(bound.host)) {
      services.logger.warn(`the API listens on ${formatHostPort(bound)}: other machines can reach it (anyone with the token can read and change everything); the token is in ${options.dataDir}/__meta/api-token`);
    }
    context.rates.start();
    context.eventLoop.start();
    return new ApiServer(app, context, token, bound);
  }

  address(): HostPort {
    return this.bound;
  }

  /** The URL `serve` prints once: opening it signs the browser in (cookie) and drops the token from the address bar. */
  uiUrl(): string {
    return `http://${urlHost(this.bound.host)}:${this.bound.port}/?token=${this.token}`;
  }

  async close(): Promise<void> {
    this.context.rates.stop();
    this.context.eventLoop.stop();
    await this.app.close();
  }
}

/** docs/openapi.json as this build would write it (2-space JSON and a final newline). */
export async function openApiText(version: string): Promise<string> {
  return `${JSON.stringify(await openApiDocument(buildApiApp, version), null, 2)}\n`;
}
