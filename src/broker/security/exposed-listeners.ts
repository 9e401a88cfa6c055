import { isLoopback } from '../../common/listen.js';
import { formatListener, usesSasl, usesTls, type ListenerConfig } from '../listeners.js';

/**
 * What anyone on the network can do through each listener that other machines reach without TLS, one warning line
 * each, for every start (README: "Listening on the network"). Empty when plaintext stays on loopback.
 */
export function exposedListenerWarnings(listeners: readonly ListenerConfig[]): string[] {
  const out: string[] = [];
  for (const l of listeners) {
    if (usesTls(l.protocol) || isLoopback(l.host)) continue;
    const where = `kafka listener ${formatListener(l)} is reachable from other machines without TLS`;
    if (usesSasl(l.protocol)) {
      out.push(
        `${where}: anyone on the network path can read every record sent through it, and with PLAIN the password itself. ` +
          `Use SASL_SSL instead, e.g. --listeners PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093`,
      );
    } else {
      out.push(
        `${where} and without a login: anyone who can reach it connects as User:ANONYMOUS — unless ACLs say otherwise, that is reading every topic, writing any record, deleting topics and consumer groups — and can read every record in transit. ` +
          `Keep plaintext on loopback and let other machines log in over TLS: --listeners PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093`,
      );
    }
  }
  return out;
}
