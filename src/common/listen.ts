import { formatHostPort } from './host-port.js';
/** A bound or configured TCP/UDP address. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** "HOST:PORT" for log lines, with brackets around IPv6 hosts. */
export const formatAddress: (a: ListenAddress) => string = formatHostPort;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** True when only this machine can reach the address. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** "10.0.0.5" for "::ffff:10.0.0.5" (IPv4 peers of a dual-stack socket). */
export function peerAddress(addr: string | undefined): string {
  if (!addr) return 'unknown';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** Error for a listener that could not bind, saying which config key to change. */
export function listenError(what: string, key: string, a: ListenAddress, e: NodeJS.ErrnoException): Error {
  const hint =
    e.code === 'EADDRINUSE'
      ? ` — something else is using it; choose another port in ${key}`
      : e.code === 'EACCES'
        ? ` — ports below 1024 need root; use a higher port in ${key} (e.g. 5514) and forward to it`
        : e.code === 'EADDRNOTAVAIL'
          ? ` — this machine has no such address; fix ${key}`
          : '';
  return new Error(`cannot listen for ${what} on ${formatAddress(a)}: ${e.message}${hint}`, { cause: e });
}
