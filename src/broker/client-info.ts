/** What the broker knows about one connected client, for logs and the UI's connections and sources views. */
export interface ClientInfo {
  id: number;
  remoteAddress: string;
  remotePort: number;
  clientId: string | null;
  /** The SASL user, once authenticated on a SASL listener. */
  principal?: string | null;
  /** The TLS client certificate's subject (RFC 2253 DN) when the client presented one (mTLS); without "User:". */
  tlsPrincipal?: string | null;
  softwareName: string | null;
  softwareVersion: string | null;
  connectedAt: number;
  /** When its latest request arrived (epoch ms). */
  lastSeenAt: number;
  /** Set when the connection closed; null while it is open. */
  disconnectedAt: number | null;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** Records and batch bytes this client produced (duplicates of an idempotent producer not counted). */
  producedRecords: number;
  producedBytes: number;
  /**
   * The `host` and `agent` record headers this client's records carry (Tributary's agent, syslog and many shippers
   * set them), read from the first record of its first few uncompressed batches; null until seen.
   */
  sourceHost: string | null;
  sourceAgent: string | null;
  /** Produced batches still to look at for those headers (a few per connection, never on every batch). */
  headerProbesLeft: number;
}

/** Batches per connection whose first record is looked at for `host`/`agent` headers. */
export const HEADER_PROBES = 3;

export function newClientInfo(id: number, remoteAddress: string, remotePort: number, now = Date.now()): ClientInfo {
  return {
    id,
    remoteAddress,
    remotePort,
    clientId: null,
    softwareName: null,
    softwareVersion: null,
    connectedAt: now,
    lastSeenAt: now,
    disconnectedAt: null,
    requests: 0,
    bytesIn: 0,
    bytesOut: 0,
    producedRecords: 0,
    producedBytes: 0,
    sourceHost: null,
    sourceAgent: null,
    headerProbesLeft: HEADER_PROBES,
  };
}
