/**
 * Whether `err` is the connection failing rather than a bug: a socket or TLS error (an Error
 * with a string `code`: ECONNRESET, ETIMEDOUT, EPROTO…, and MalformedResponse's HPE_ codes),
 * or an abort (the caller's signal).
 */
export function isTransportFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'AbortError') return true;
  return typeof (err as NodeJS.ErrnoException).code === 'string';
}
