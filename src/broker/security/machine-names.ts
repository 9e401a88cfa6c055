import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';

/** Names and addresses a generated server certificate must cover. */
export interface CertNames {
  dns: string[];
  ips: string[];
}

/**
 * This machine's host name, `localhost`, every interface address (loopback included) and the extra names given (the
 * advertised host, listener hosts): whatever a client may have been told to connect to.
 */
export function machineNames(extra: readonly string[] = []): CertNames {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const add = (n: string) => {
    const name = n.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    if (name === '' || name === '0.0.0.0' || name === '::') return;
    if (isIP(name)) ips.add(name);
    else dns.add(name.toLowerCase());
  };
  const host = hostname();
  add(host);
  // A short host name also answers as itself with the domain search list, but the certificate can only name what it knows.
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) add(a.address);
  for (const n of extra) add(n);
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}
