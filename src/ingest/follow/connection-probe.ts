// "Test connection": one pass over the steps a Kafka client takes, each on its own, so a failure names the step that
// failed (the TCP connection, the TLS handshake, the SASL login, or the Kafka request) instead of one generic
// "cannot connect". Nothing is saved and the client is closed afterwards.
import type { Socket } from 'node:net';
import { KafkaClient } from '../../client/client.js';
import { ConnectionError } from '../../client/connection-error.js';
import { KafkaError } from '../../client/errors.js';
import { openSocket } from '../../client/open-socket.js';
import { AuthenticationError } from '../../client/sasl-login.js';
import { usesSasl, usesTls, type ClientSecurity } from '../../client/security.js';
import { parseHostPort } from '../../common/host-port.js';

export type ProbeStage = 'tcp' | 'tls' | 'sasl' | 'kafka';

export type ProbeResult =
  | {
      ok: true;
      /** The bootstrap server that answered. */
      address: string;
      clusterId: string | null;
      controllerId: number;
      /** Every broker the cluster advertises, each connected to as the follow and the browser will (TLS and login included). */
      brokers: { nodeId: number; address: string; reachable: boolean; error: string | null }[];
      topics: number;
      /** Brokers that cannot be reached from here: usually advertised listeners naming an address only their network knows. */
      warnings: string[];
      /** What was checked, for the person reading the result ("TCP", "TLS", "SASL SCRAM-SHA-512 as mirror", "Metadata"). */
      steps: string[];
      tookMs: number;
    }
  | { ok: false; stage: ProbeStage; address: string | null; error: string; steps: string[]; tookMs: number };

const close = (s: Socket) => s.destroy();

/** Advertised brokers tried after Metadata, at most (a big cluster's test stays quick; the rest are listed unchecked). */
export const MAX_BROKERS_CHECKED = 20;

/** Tries `bootstrap` in order; the first server that accepts TCP is taken through TLS, SASL and a Metadata request. */
export async function probeConnection(bootstrap: readonly string[], security: ClientSecurity | undefined, timeoutMs = 10_000): Promise<ProbeResult> {
  const started = Date.now();
  const steps: string[] = [];
  const fail = (stage: ProbeStage, address: string | null, error: string): ProbeResult => ({ ok: false, stage, address, error, steps, tookMs: Date.now() - started });

  let address: string | null = null;
  const refused: string[] = [];
  for (const a of bootstrap) {
    const { host, port } = parseHostPort(a);
    try {
      close(await openSocket(host, port, undefined, timeoutMs));
      address = a;
      break;
    } catch (e) {
      refused.push(e instanceof ConnectionError ? `${a}: ${e.reason}` : `${a}: ${(e as Error).message}`);
    }
  }
  if (address === null) return fail('tcp', bootstrap[0] ?? null, `TCP connection failed: ${refused.join('; ')}`);
  steps.push(`TCP ${address}`);
  const { host, port } = parseHostPort(address);

  if (usesTls(security)) {
    try {
      close(await openSocket(host, port, security, timeoutMs));
    } catch (e) {
      const reason = e instanceof ConnectionError ? e.reason : (e as Error).message;
      return fail('tls', address, /^TLS/.test(reason) ? reason : `TLS handshake failed: ${reason}`);
    }
    steps.push(security!.rejectUnauthorized === false ? 'TLS (certificate NOT verified)' : 'TLS');
  }

  const client = new KafkaClient({ bootstrap: [address], clientId: 'tributary-connection-test', connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, security });
  try {
    const md = await client.cluster.metadata(null);
    if (usesSasl(security)) steps.push(`SASL ${security!.sasl!.mechanism} as ${security!.sasl!.username}`);
    steps.push('Metadata');
    // Clients talk to each partition's leader at the address the cluster advertises, not the bootstrap one: a cluster
    // whose advertised listeners cannot be reached from here passes the bootstrap and fails every fetch afterwards.
    const brokers = await Promise.all(
      md.brokers.map(async (b, i) => {
        const at = `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`;
        if (i >= MAX_BROKERS_CHECKED) return { nodeId: b.nodeId, address: at, reachable: true, error: 'not checked' };
        try {
          await client.cluster.leader(b.nodeId);
          return { nodeId: b.nodeId, address: at, reachable: true, error: null };
        } catch (e) {
          return { nodeId: b.nodeId, address: at, reachable: false, error: e instanceof ConnectionError ? e.reason : (e as Error).message };
        }
      }),
    );
    const unreachable = brokers.filter((b) => !b.reachable);
    const warnings = unreachable.map((b) => `broker ${b.nodeId} advertises ${b.address}, which cannot be reached from here (${b.error}): its partitions cannot be read or written; the cluster's advertised listeners must name an address this machine can reach`);
    if (unreachable.length === 0) steps.push(`${brokers.length} broker${brokers.length === 1 ? '' : 's'} reachable`);
    return {
      ok: true,
      address,
      clusterId: md.clusterId ?? null,
      controllerId: md.controllerId,
      brokers,
      topics: md.topics.length,
      warnings,
      steps,
      tookMs: Date.now() - started,
    };
  } catch (e) {
    if (e instanceof AuthenticationError) return fail('sasl', address, `SASL: ${e.reason}`);
    if (e instanceof ConnectionError) return fail('kafka', address, `the Kafka handshake failed: ${e.reason}`);
    if (e instanceof KafkaError) return fail('kafka', address, `the Metadata request failed: ${e.message}`);
    return fail('kafka', address, (e as Error).message);
  } finally {
    await client.close().catch(() => undefined);
  }
}
