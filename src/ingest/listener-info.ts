/** One ingest listener, for the `<name> listener on HOST:PORT` line `tributary serve` prints. */
export interface ListenerInfo {
  name: 'syslog udp' | 'syslog tcp' | 'http ingest';
  host: string;
  port: number;
}
