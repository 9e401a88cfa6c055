import { ConfigError, parseHostPort } from '../broker/config.js';
import type { HostPort } from '../common/host-port.js';
import { isLoopback } from '../common/listen.js';

/** The HTTP/WebSocket API of `serve`: on by default, on loopback. */
export interface ApiConfig {
  listen: HostPort;
  /** Listening on an address other machines can reach was asked for explicitly. */
  public: boolean;
  /** Expensive reads (browsing, searches) at once before the API answers 429. */
  maxConcurrentReads: number;
}

export const API_DEFAULTS: ApiConfig = { listen: { host: '127.0.0.1', port: 9300 }, public: false, maxConcurrentReads: 8 };

/** Config-file keys of the API, beside the broker's. */
export const API_CONFIG_KEYS = ['http', 'httpPublic', 'httpMaxConcurrentReads'] as const;

export interface ApiConfigSources {
  /** `--http`: HOST:PORT, :PORT (loopback) or off. */
  http?: string;
  /** `--http-public`. */
  httpPublic?: boolean;
  /** The config file's keys. */
  file: Record<string, unknown>;
}

/** null when the API is off. A non-loopback address without httpPublic is a configuration error. */
export function parseApiConfig(src: ApiConfigSources): ApiConfig | null {
  const raw = src.http ?? src.file.http;
  const publicFlag = src.httpPublic ?? src.file.httpPublic ?? false;
  if (typeof publicFlag !== 'boolean') throw new ConfigError(`httpPublic must be true or false, got ${JSON.stringify(publicFlag)}`);
  const reads = src.file.httpMaxConcurrentReads ?? API_DEFAULTS.maxConcurrentReads;
  if (!Number.isInteger(reads) || (reads as number) < 1 || (reads as number) > 1000) {
    throw new ConfigError(`httpMaxConcurrentReads must be a whole number from 1 to 1000, got ${JSON.stringify(reads)}`);
  }
  if (raw === undefined) return { ...API_DEFAULTS, public: publicFlag, maxConcurrentReads: reads as number };
  if (typeof raw !== 'string') throw new ConfigError(`http must be "HOST:PORT" or "off", got ${JSON.stringify(raw)}`);
  if (raw.trim().toLowerCase() === 'off') return null;
  const listen = parseHostPort(raw.trim(), 'http (the API listener)');
  if (!isLoopback(listen.host) && !publicFlag) {
    throw new ConfigError(
      `http: ${raw} lets other machines reach the API (and, with the token, read and change everything); add --http-public (or "httpPublic": true) if you mean it, or use 127.0.0.1:${listen.port}`,
    );
  }
  return { listen, public: publicFlag, maxConcurrentReads: reads as number };
}
