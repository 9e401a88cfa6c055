import { parseHostPort } from '../common/host-port.js';
import { InvalidValueError } from '../common/invalid-value.js';

/** Kafka's security protocols: how a listener's bytes are carried (TLS or not) and whether clients must log in (SASL). */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** One Kafka listener, as in Kafka's `listeners` setting: `SASL_SSL://0.0.0.0:9093`. */
export interface ListenerConfig {
  protocol: SecurityProtocol;
  host: string;
  port: number;
}

export const usesTls = (p: SecurityProtocol): boolean => p === 'SSL' || p === 'SASL_SSL';
export const usesSasl = (p: SecurityProtocol): boolean => p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';

// PROTOCOL://HOST:PORT; HOST may be empty (Kafka: the default interface; here, as everywhere, loopback) or [v6].
const LISTENER = /^([A-Za-z_]+):\/\/(.*)$/;

/** Parses one `PROTOCOL://HOST:PORT`. Throws InvalidValueError naming what is wrong and how to write it. */
export function parseListener(text: string): ListenerConfig {
  const m = LISTENER.exec(text.trim());
  if (!m) throw new InvalidValueError(`"${text}" is not a listener; write PROTOCOL://HOST:PORT, e.g. SASL_SSL://0.0.0.0:9093 (protocols: ${SECURITY_PROTOCOLS.join(', ')})`, text);
  const protocol = m[1]!.toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new InvalidValueError(`unknown security protocol "${m[1]}" in "${text}"; use one of ${SECURITY_PROTOCOLS.join(', ')}`, text);
  }
  const { host, port } = parseHostPort(m[2]!, { allowPortZero: true });
  return { protocol: protocol as SecurityProtocol, host, port };
}

/**
 * A list of listeners: a JSON array or Kafka's comma-separated text. Two listeners may not share a port (other than 0):
 * one address per port keeps "which listener did this client come through" a question with one answer.
 */
export function parseListeners(value: unknown): ListenerConfig[] {
  const items = typeof value === 'string' ? value.split(',').filter((s) => s.trim() !== '') : value;
  if (!Array.isArray(items) || items.length === 0 || !items.every((x) => typeof x === 'string')) {
    throw new InvalidValueError('listeners must be a non-empty list like ["PLAINTEXT://127.0.0.1:9092", "SASL_SSL://0.0.0.0:9093"]', value);
  }
  const out = (items as string[]).map(parseListener);
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      if (out[i]!.port !== 0 && out[i]!.port === out[j]!.port) {
        throw new InvalidValueError(`listeners ${formatListener(out[i]!)} and ${formatListener(out[j]!)} use the same port`, value);
      }
    }
  }
  return out;
}

export function formatListener(l: ListenerConfig): string {
  return `${l.protocol}://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
}
