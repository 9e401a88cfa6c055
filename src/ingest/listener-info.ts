/** One ingest listener, for the `<name> listener on HOST:PORT` line `tributary serve` prints. */
export interface ListenerInfo {
  name: 'syslog udp' | 'syslog tcp' | 'syslog tls' | 'http ingest';
  host: string;
  port: number;
  /** Connections are TLS. */
  tls?: boolean;
  /** TLS with the generated certificate: the CA file senders trust. */
  caFile?: string;
}
