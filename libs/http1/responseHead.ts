import type { IncomingHttpHeaders } from 'node:http';
import { HeaderLines, MAX_HEAD_BYTES, blockEnd, byteName, type FieldFlags } from './headerLines.js';
import { CR, LF, SP, isDigit } from './httpBytes.js';
import { MalformedResponse } from './malformedResponse.js';

export { MAX_HEAD_BYTES } from './headerLines.js';

/** How the end of a response body is found (RFC 9112 §6.3). */
export type BodyFraming = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export interface ResponseHead {
  status: number;
  /** Lower-case names, merged as node:http merges them. */
  headers: IncomingHttpHeaders;
  /** How the body of a response to a request that was not HEAD ends. */
  framing: BodyFraming;
  /** Whether the connection may carry another request once the body has been read (llhttp_should_keep_alive). */
  keepAlive: boolean;
}

const START = 0;
const PROTOCOL = 1;
const MAJOR = 2;
const DOT = 3;
const MINOR = 4;
const AFTER_VERSION = 5;
const STATUS_CODE = 6;
const AFTER_STATUS_CODE = 7;
const REASON = 8;
const STATUS_LINE_END = 9;
const HEADERS_START = 10;
const FIELDS = 11;

/** Protocol names llhttp takes in a status line: "HTTP/", and RTSP's and Icecast's. */
const PROTOCOLS = ['HTTP/', 'RTSP/', 'ICE/'];
/** Versions llhttp accepts without its lenient version flag. */
const VERSIONS = new Set(['0.9', '1.0', '1.1', '2.0']);

/**
 * Reads a response head as its bytes arrive (RFC 9112 §4), byte by byte like llhttp so that it
 * refuses the same heads, skipping interim (1xx) answers. Only the head is read this way; bodies
 * are sliced, never looked at byte by byte.
 */
export class HeadReader {
  private state = START;
  private protocol = '';
  private version = '';
  private status = 0;
  private statusDigits = 0;
  private reasonBytes = 0;
  private fields: HeaderLines | undefined;

  /** The final head and where its body starts in `bytes`, once the head is complete; undefined while it is not. */
  push(bytes: Buffer): { head: ResponseHead; bodyStart: number } | undefined {
    for (let from = 0; from < bytes.length; ) {
      const to = blockEnd(bytes, from);
      const found = this.read(bytes.toString('latin1', from, to));
      if (typeof found === 'number') from += found;
      else return { head: found.head, bodyStart: from + found.end };
    }
    return undefined;
  }

  /** Reads `text` on; the final head and where it ends, or how much was read (all of it, or to the end of an interim head). */
  private read(text: string): { head: ResponseHead; end: number } | number {
    let i = 0;
    while (i < text.length) {
      if (this.state !== FIELDS) {
        i = this.statusLine(text, i);
        continue;
      }
      const end = this.fields!.push(text, i);
      if (end === -1) return text.length;
      const head = this.endHead(this.fields!);
      if (head) return { head, end };
      i = end;
    }
    return i;
  }

  /** Reads status line bytes from `i`; returns where it stopped (at the end of `text` or of the line). */
  private statusLine(text: string, i: number): number {
    const c = text.charCodeAt(i);
    switch (this.state) {
      case START:
        // llhttp skips empty lines before a message.
        if (c === CR || c === LF) return i + 1;
        this.state = PROTOCOL;
        return i;
      case PROTOCOL: {
        this.protocol += String.fromCharCode(c);
        if (PROTOCOLS.includes(this.protocol)) this.state = MAJOR;
        else if (!PROTOCOLS.some((p) => p.startsWith(this.protocol))) throw new MalformedResponse(`not an HTTP/1.x status line: starts ${JSON.stringify(this.protocol)}`);
        return i + 1;
      }
      case MAJOR:
      case MINOR:
        if (!isDigit(c)) throw new MalformedResponse(`invalid HTTP version character ${byteName(c)}`);
        this.version += String.fromCharCode(c);
        if (this.state === MINOR && !VERSIONS.has(this.version)) throw new MalformedResponse(`unsupported HTTP version ${this.version}`);
        this.state = this.state === MAJOR ? DOT : AFTER_VERSION;
        return i + 1;
      case DOT:
        if (c !== 0x2e) throw new MalformedResponse(`invalid HTTP version character ${byteName(c)}`);
        this.version += '.';
        this.state = MINOR;
        return i + 1;
      case AFTER_VERSION:
        if (c !== SP) throw new MalformedResponse(`expected a space after the HTTP version, got ${byteName(c)}`);
        this.state = STATUS_CODE;
        return i + 1;
      case STATUS_CODE:
        if (!isDigit(c)) throw new MalformedResponse(`invalid status code character ${byteName(c)}`);
        this.status = this.status * 10 + (c - 0x30);
        if (++this.statusDigits === 3) this.state = AFTER_STATUS_CODE;
        return i + 1;
      case AFTER_STATUS_CODE:
        if (c === SP) this.state = REASON;
        else if (c === CR) this.state = STATUS_LINE_END;
        else throw new MalformedResponse(`invalid character ${byteName(c)} after the status code`);
        return i + 1;
      case REASON: {
        // Any byte but CR and LF, counted against the head's limit as node counts it.
        let end = i;
        while (end < text.length && text.charCodeAt(end) !== CR && text.charCodeAt(end) !== LF) end++;
        this.reasonBytes += end - i;
        if (this.reasonBytes >= MAX_HEAD_BYTES) throw new MalformedResponse(`reason phrase reaches ${MAX_HEAD_BYTES} bytes`, 'HPE_HEADER_OVERFLOW');
        if (end === text.length) return end;
        if (text.charCodeAt(end) === LF) throw new MalformedResponse('status line ends in LF without CR');
        this.state = STATUS_LINE_END;
        return end + 1;
      }
      case STATUS_LINE_END:
        // llhttp takes CR CR as well as CR LF here.
        if (c !== LF && c !== CR) throw new MalformedResponse('status line ends in CR without LF');
        this.state = HEADERS_START;
        return i + 1;
      case HEADERS_START:
        if (c === SP) throw new MalformedResponse('space before the first header line');
        this.fields = new HeaderLines(this.reasonBytes);
        this.state = FIELDS;
        return i;
      default:
        throw new Error(`unknown status line state ${this.state}`);
    }
  }

  /** The final head, or undefined after an interim one (the reader then waits for the next). */
  private endHead(fields: HeaderLines): ResponseHead | undefined {
    const { status, version } = this;
    const { flags } = fields;
    const persistent = version === '1.1' ? !flags.close : flags.keepAlive;
    this.state = START;
    this.protocol = this.version = '';
    this.status = this.statusDigits = this.reasonBytes = 0;
    this.fields = undefined;
    if (status >= 100 && status < 200 && status !== 101) {
      // llhttp refuses anything but empty lines after an interim answer that closes the connection.
      if (!persistent) throw new MalformedResponse(`interim ${status} response closes the connection`);
      return undefined;
    }
    // Ferry asks for no protocol upgrade; node:http drops a response that switches to one.
    if (status === 101 && flags.upgrade) throw new MalformedResponse('101 Switching Protocols to a request that asked for no upgrade');
    const framing = bodyFraming(status, flags);
    const keepAlive = persistent && status !== 101 && framing.kind !== 'close';
    return { status, headers: nodeHeaders(fields.fields), framing, keepAlive };
  }
}

/** llhttp__after_headers_complete, for a response to a request that was not HEAD. */
function bodyFraming(status: number, flags: FieldFlags): BodyFraming {
  if (status === 101 || status === 204 || status === 304) return { kind: 'length', length: 0 };
  if (flags.chunked) return { kind: 'chunked' };
  if (flags.transferEncoding) return { kind: 'close' };
  if (flags.contentLength !== undefined) return { kind: 'length', length: flags.contentLength };
  return { kind: 'close' };
}

/** Headers whose repeats node:http drops rather than joins (lib/_http_incoming.js, matchKnownFields). */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** The headers object node:http's IncomingMessage gives for these raw headers (names in lower case). */
function nodeHeaders(raw: string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[] | undefined> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const seen: unknown = headers[name];
    if (name === 'set-cookie') {
      if (seen === undefined) headers[name] = [value];
      else (seen as string[]).push(value);
    } else if (typeof seen !== 'string') {
      // The first, as node has it also for names an object inherits, like "constructor".
      headers[name] = value;
    } else if (!FIRST_WINS.has(name)) {
      headers[name] = `${seen}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
  }
  return headers;
}
