import type { IncomingHttpHeaders } from 'node:http';

/** Largest response head accepted (status line and headers). */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface ResponseHead {
  status: number;
  /** Lower-case names, merged as node:http merges them. */
  headers: IncomingHttpHeaders;
}

/** How the end of a response body is found (RFC 9112 §6.3). */
export type BodyFraming = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

/** A response that is not HTTP/1.x; a code like node:http's parser errors, so it is classified the same way. */
export class MalformedResponse extends Error {
  readonly code = 'HPE_INVALID_RESPONSE';
}

/** Headers whose duplicates node:http drops rather than joins. */
const SINGLE_VALUED = new Set(['age', 'content-length', 'content-type', 'etag', 'expires', 'last-modified', 'location', 'retry-after', 'server']);
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses a head without its closing blank line: "HTTP/1.1 200 OK\r\nName: value…". */
export function parseResponseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0]!);
  if (!status) throw new MalformedResponse(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const headers: IncomingHttpHeaders = {};
  let last: string | undefined;
  for (const line of lines.slice(1)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      // Obsolete line folding: the line continues the previous header's value.
      headers[last] = `${headers[last] as string} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new MalformedResponse(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    last = name.toLowerCase();
    addHeader(headers, last, line.slice(colon + 1).trim());
  }
  return { status: Number(status[1]), headers };
}

function addHeader(headers: IncomingHttpHeaders, name: string, value: string): void {
  const seen = headers[name];
  if (seen === undefined) {
    headers[name] = name === 'set-cookie' ? [value] : value;
  } else if (name === 'set-cookie') {
    (seen as string[]).push(value);
  } else if (name === 'content-length') {
    if (seen !== value) throw new MalformedResponse(`conflicting Content-Length: ${seen as string} and ${value}`);
  } else if (!SINGLE_VALUED.has(name)) {
    headers[name] = `${seen as string}, ${value}`;
  }
}

/** How the body of a response to a request that was not HEAD ends. */
export function bodyFraming(head: ResponseHead): BodyFraming {
  if (head.status === 204 || head.status === 304 || head.status < 200) return { kind: 'length', length: 0 };
  const coding = head.headers['transfer-encoding'];
  if (typeof coding === 'string') {
    if (/(?:^|,)\s*chunked\s*$/i.test(coding)) return { kind: 'chunked' };
    return { kind: 'close' };
  }
  const length = head.headers['content-length'];
  if (length === undefined) return { kind: 'close' };
  if (!/^\d{1,15}$/.test(length)) throw new MalformedResponse(`invalid Content-Length: ${JSON.stringify(length)}`);
  return { kind: 'length', length: Number(length) };
}

const BLANK_LINE = Buffer.from('\r\n\r\n');

/** Finds a response head in the bytes of one or more reads, skipping interim (1xx) answers. */
export class HeadReader {
  /** Bytes of a head cut across reads, as latin1. */
  private partial = '';

  /** The head and where the body starts in `bytes`, once the head is complete; undefined while it is not. */
  push(bytes: Buffer): { head: ResponseHead; bodyStart: number } | undefined {
    // Usually a whole head comes in one read: decode just the head, not the body behind it.
    let text = bytes;
    let carried = 0;
    if (this.partial !== '') {
      carried = this.partial.length;
      text = Buffer.concat([Buffer.from(this.partial, 'latin1'), bytes]);
      this.partial = '';
    }
    for (let from = 0; ; ) {
      const end = text.indexOf(BLANK_LINE, from);
      if (end === -1) {
        this.partial = text.toString('latin1', from);
        if (this.partial.length > MAX_HEAD_BYTES) throw new MalformedResponse('response head too large');
        return undefined;
      }
      const head = parseResponseHead(text.toString('latin1', from, end));
      from = end + 4;
      if (head.status >= 200) return { head, bodyStart: from - carried };
      // An interim answer (100 Continue): the real head follows.
    }
  }
}
