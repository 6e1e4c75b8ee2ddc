import type { IncomingHttpHeaders } from 'node:http';

const CARRIED = ['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'];

/** The headers of a GET answer that describe the object and belong on its copy. */
export function carriedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CARRIED) {
    const v = headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  for (const [name, v] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && v !== undefined) out[name] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}
