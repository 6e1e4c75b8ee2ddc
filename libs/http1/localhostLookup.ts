import dns, { type LookupAddress, type LookupOptions } from 'node:dns';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family: number) => void;

/**
 * dns.lookup, except that `localhost` and every `*.localhost` name is loopback, as RFC 6761 §6.3
 * says and as curl and browsers do, whether or not the system resolver knows it (Debian's glibc
 * without nss-myhostname does not). It lets a virtual-hosted bucket (`bucket.localhost:9100`)
 * reach a local endpoint without touching /etc/hosts.
 */
export function localhostLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (!isLocalhostName(hostname)) {
    dns.lookup(hostname, options, callback);
    return;
  }
  const address = options.family === 6 ? '::1' : '127.0.0.1';
  const family = options.family === 6 ? 6 : 4;
  process.nextTick(() => (options.all ? callback(null, [{ address, family }], family) : callback(null, address, family)));
}

/** `localhost` or a name under it, which is loopback whatever the system resolver says. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
