import { CR, HTAB, LF, NOT_FIELD_VALUE, SP, TOKEN } from './httpBytes.js';
import { MalformedResponse } from './malformedResponse.js';

/**
 * Bytes of names, values and reason phrase a head (or the trailers) may hold: node's
 * --max-http-header-size default. Like node, the limit counts those bytes only, not the
 * status code, colons, line ends or the whitespace around values; reaching it is an error.
 */
export const MAX_HEAD_BYTES = 16 * 1024;

/** Header lines node:http lists in a response's headers; it ignores the rest (maxHeadersCount). */
const MAX_FIELDS = 1000;

const COLON = 0x3a;

/** What the framing headers said, as llhttp reads them. */
export interface FieldFlags {
  contentLength: number | undefined;
  /** A non-empty Transfer-Encoding. */
  transferEncoding: boolean;
  /** The last non-empty Transfer-Encoding ends in chunked. */
  chunked: boolean;
  close: boolean;
  keepAlive: boolean;
  /** Connection names upgrade and an Upgrade header is present. */
  upgrade: boolean;
}

const FIELD_START = 0;
const NAME = 1;
const BEFORE_VALUE = 2;
const EMPTY_VALUE_LF = 3;
const VALUE = 4;
const VALUE_LF = 5;
/** A line has ended: the next byte says whether it is folded (refused) or a new line. */
const LINE_END = 6;
const BLANK_LINE_LF = 7;
const DONE = 8;

/**
 * Reads header lines up to the blank line after them, as they arrive (RFC 9112 §5), refusing
 * what llhttp refuses without its lenient flags: bare LF, obsolete line folding, whitespace
 * before the colon, control characters, Content-Length with Transfer-Encoding, a repeated or
 * malformed Content-Length, and more than MAX_HEAD_BYTES. Used for heads and for trailers.
 */
export class HeaderLines {
  /** Lower-case names and values (without surrounding whitespace), alternating, as in rawHeaders. */
  readonly fields: string[] = [];
  readonly flags: FieldFlags = { contentLength: undefined, transferEncoding: false, chunked: false, close: false, keepAlive: false, upgrade: false };
  private state = FIELD_START;
  private name = '';
  private lowerName = '';
  private value = '';
  private upgradeHeader = false;
  private connectionUpgrade = false;

  /** `counted`: bytes already counted against the limit (the reason phrase). `afterChunked`: trailers, which follow a Transfer-Encoding. */
  constructor(
    private counted = 0,
    afterChunked = false,
  ) {
    this.flags.transferEncoding = afterChunked;
  }

  /** Reads `text` (bytes as latin1, see blockEnd) from `from`; returns the offset just past the blank line, or -1 while the lines go on. */
  push(text: string, from: number): number {
    const n = text.length;
    let i = from;
    while (i < n) {
      switch (this.state) {
        case FIELD_START: {
          const c = text.charCodeAt(i);
          if (c === CR) {
            this.state = BLANK_LINE_LF;
            i++;
          } else if (TOKEN[c] === 1) {
            this.state = NAME;
          } else {
            throw new MalformedResponse(`invalid header line start ${byteName(c)}`);
          }
          break;
        }
        case NAME: {
          const start = i;
          while (i < n && TOKEN[text.charCodeAt(i)] === 1) i++;
          this.name += text.slice(start, i);
          this.count(i - start);
          if (i === n) return -1;
          if (text.charCodeAt(i) !== COLON) throw new MalformedResponse(`invalid header name character ${byteName(text.charCodeAt(i))}`);
          i++;
          this.lowerName = this.name.toLowerCase();
          this.checkFramingConflict(this.lowerName);
          this.state = BEFORE_VALUE;
          break;
        }
        case BEFORE_VALUE: {
          while (i < n && (text.charCodeAt(i) === SP || text.charCodeAt(i) === HTAB)) i++;
          if (i === n) return -1;
          if (text.charCodeAt(i) === CR) {
            this.state = EMPTY_VALUE_LF;
            i++;
          } else {
            this.state = VALUE;
          }
          break;
        }
        case VALUE: {
          const cr = text.indexOf('\r', i);
          const end = cr === -1 ? n : cr;
          const piece = text.slice(i, end);
          // A native scan: values are most of a head's bytes.
          const bad = piece.search(NOT_FIELD_VALUE);
          if (bad !== -1) throw new MalformedResponse(`invalid header value character ${byteName(piece.charCodeAt(bad))} in ${JSON.stringify(this.name)}`);
          this.value += piece;
          this.count(piece.length);
          if (cr === -1) return -1;
          this.state = VALUE_LF;
          i = cr + 1;
          break;
        }
        case EMPTY_VALUE_LF:
        case VALUE_LF:
          if (text.charCodeAt(i) !== LF) throw new MalformedResponse(`header line ends in CR without LF`);
          this.state = LINE_END;
          i++;
          break;
        case LINE_END:
          if (text.charCodeAt(i) === SP || text.charCodeAt(i) === HTAB) throw new MalformedResponse(`obsolete line folding in ${JSON.stringify(this.name)}`);
          this.endLine();
          this.state = FIELD_START;
          break;
        case BLANK_LINE_LF:
          if (text.charCodeAt(i) !== LF) throw new MalformedResponse('header block ends in CR without LF');
          this.state = DONE;
          this.flags.upgrade = this.upgradeHeader && this.connectionUpgrade;
          return i + 1;
        case DONE:
          return i;
        default:
          throw new Error(`unknown header line state ${this.state}`);
      }
    }
    return -1;
  }

  private count(bytes: number): void {
    this.counted += bytes;
    if (this.counted >= MAX_HEAD_BYTES) throw new MalformedResponse(`header fields reach ${MAX_HEAD_BYTES} bytes`, 'HPE_HEADER_OVERFLOW');
  }

  /** llhttp refuses the name itself once the other framing header has been read. */
  private checkFramingConflict(name: string): void {
    if (name === 'transfer-encoding' && this.flags.contentLength !== undefined) throw new MalformedResponse('Transfer-Encoding together with Content-Length');
    if (name === 'content-length' && this.flags.transferEncoding) throw new MalformedResponse('Content-Length together with Transfer-Encoding');
  }

  private endLine(): void {
    const { lowerName, value } = this;
    this.name = '';
    this.value = '';
    this.readFraming(lowerName, value);
    if (this.fields.length < 2 * MAX_FIELDS) this.fields.push(lowerName, trimEnd(value));
  }

  /** The framing and connection headers, read as llhttp's state machine reads them (src/llhttp/http.ts). */
  private readFraming(name: string, value: string): void {
    switch (name) {
      case 'content-length': {
        if (this.flags.contentLength !== undefined) throw new MalformedResponse('repeated Content-Length');
        if (!/^[0-9]+ *$/.test(value)) throw new MalformedResponse(`invalid Content-Length ${JSON.stringify(value.slice(0, 40))}`);
        this.flags.contentLength = contentLength(value.trimEnd());
        return;
      }
      case 'transfer-encoding':
        if (value === '') return;
        this.flags.transferEncoding = true;
        // Only the last coding counts; a tab after it (or after "chunked") makes it another coding.
        this.flags.chunked = /(?:^|,)[ \t]*chunked *$/i.test(value);
        return;
      case 'connection':
      case 'proxy-connection':
        for (const option of value.split(',')) {
          const token = /^[ \t]*(close|keep-alive|upgrade) *$/i.exec(option)?.[1]?.toLowerCase();
          if (token === 'close') this.flags.close = true;
          else if (token === 'keep-alive') this.flags.keepAlive = true;
          else if (token === 'upgrade') this.connectionUpgrade = true;
        }
        return;
      case 'upgrade':
        if (value !== '') this.upgradeHeader = true;
        return;
      default:
        return;
    }
  }
}

/** Up to 2^64 - 1 as llhttp reads it; lengths past 2^53 lose precision but can never be read to their end. */
function contentLength(digits: string): number {
  if (digits.length > 15 && BigInt(digits) > 0xffffffffffffffffn) throw new MalformedResponse('Content-Length overflows');
  return Number(digits);
}

function trimEnd(value: string): string {
  let end = value.length;
  while (end > 0 && (value.charCodeAt(end - 1) === SP || value.charCodeAt(end - 1) === HTAB)) end--;
  return end === value.length ? value : value.slice(0, end);
}

const BLANK_LINE = Buffer.from('\r\n\r\n');

/**
 * Where the header block from `from` most likely ends (after its blank line, or the end of
 * `bytes`), so that it is decoded to text at once and the body behind it is not. A block that
 * goes on past that point is read on from there.
 */
export function blockEnd(bytes: Buffer, from: number): number {
  if (bytes[from] === CR && bytes[from + 1] === LF) return from + 2;
  const blank = bytes.indexOf(BLANK_LINE, from);
  return blank === -1 ? bytes.length : blank + 4;
}

export function byteName(c: number): string {
  return c >= 0x21 && c < 0x7f ? JSON.stringify(String.fromCharCode(c)) : `0x${c.toString(16).padStart(2, '0')}`;
}
