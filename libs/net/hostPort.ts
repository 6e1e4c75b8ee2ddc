/** `host:port` (an IPv6 host in brackets) split in two; the host without its brackets. */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  if (i === -1) throw new Error(`address ${address} must be host:port`);
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(i + 1)) };
}
