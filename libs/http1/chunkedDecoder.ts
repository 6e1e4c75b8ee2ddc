import { HeaderLines, blockEnd, byteName } from './headerLines.js';
import { CR, FIELD_VALUE, HEX_VALUE, LF, QDTEXT, TOKEN } from './httpBytes.js';
import { MalformedResponse } from './malformedResponse.js';

/** Bytes of chunk extensions one chunk may carry (node's kMaxChunkExtensionsSize). */
const MAX_EXTENSION_BYTES = 16 * 1024;
/** More significant hex digits than this overflow llhttp's 64-bit chunk size. */
const MAX_SIZE_DIGITS = 16;

const SIZE_START = 0;
const SIZE = 1;
const EXTENSION_START = 2;
const EXTENSION_NAME = 3;
const EXTENSION_VALUE = 4;
const QUOTED = 5;
const QUOTED_PAIR = 6;
const AFTER_QUOTED = 7;
const SIZE_LINE_LF = 8;
const DATA = 9;
const DATA_CR = 10;
const DATA_LF = 11;
const TRAILERS = 12;
const DONE = 13;

/**
 * Decodes a chunked response body (RFC 9112 §7.1) as its bytes arrive, in whatever pieces,
 * refusing what llhttp refuses: a size line with anything but hex digits and `;extensions`
 * (no whitespace), a size past 64 bits, chunk data not followed by CRLF, malformed trailers.
 * S3 answers object GETs with a Content-Length; chunked bodies are error documents and the odd
 * proxy, so the data comes out as views of the input, never pooled memory.
 */
export class ChunkedDecoder {
  private state = SIZE_START;
  private remaining = 0;
  private sizeDigits = 0;
  private extensionBytes = 0;
  private trailers: HeaderLines | undefined;

  get done(): boolean {
    return this.state === DONE;
  }

  /** The data `input` carries, in order; `used` is how many bytes were read (fewer once the body has ended). */
  push(input: Buffer): { data: Buffer[]; used: number } {
    const data: Buffer[] = [];
    let i = 0;
    while (i < input.length && this.state !== DONE) {
      if (this.state === DATA) {
        const take = Math.min(this.remaining, input.length - i);
        data.push(input.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = DATA_CR;
      } else if (this.state === TRAILERS) {
        const to = blockEnd(input, i);
        const end = this.trailers!.push(input.toString('latin1', i, to), 0);
        if (end === -1) {
          i = to;
        } else {
          i += end;
          this.state = DONE;
        }
      } else {
        this.framingByte(input[i]!);
        i++;
      }
    }
    return { data, used: i };
  }

  /** One byte of a size line or of the CRLF after chunk data (src/llhttp/http.ts, chunk_size and after). */
  private framingByte(c: number): void {
    switch (this.state) {
      case SIZE_START:
      case SIZE: {
        const digit = HEX_VALUE[c]!;
        if (digit >= 0) {
          if (this.state === SIZE_START) this.remaining = this.sizeDigits = 0;
          this.state = SIZE;
          this.remaining = this.remaining * 16 + digit;
          if (this.remaining > 0 && ++this.sizeDigits > MAX_SIZE_DIGITS) throw new MalformedResponse('chunk size overflows');
        } else if (this.state === SIZE && c === CR) {
          this.state = SIZE_LINE_LF;
        } else if (this.state === SIZE && c === 0x3b) {
          this.extensionBytes = 0;
          this.state = EXTENSION_START;
        } else {
          throw new MalformedResponse(`invalid character ${byteName(c)} in chunk size`);
        }
        return;
      }
      case EXTENSION_START:
      case EXTENSION_NAME:
        if (TOKEN[c] === 1) {
          this.countExtension();
          this.state = EXTENSION_NAME;
        } else if (c === 0x3d) {
          this.state = EXTENSION_VALUE;
        } else if (c === 0x3b) {
          this.state = EXTENSION_START;
        } else if (c === CR && this.state === EXTENSION_NAME) {
          // An empty name is taken before "=" and ";", not before CR (llhttp).
          this.state = SIZE_LINE_LF;
        } else {
          throw new MalformedResponse(`invalid character ${byteName(c)} in chunk extension`);
        }
        return;
      case EXTENSION_VALUE:
        if (TOKEN[c] === 1 || c === 0x22) {
          this.countExtension();
          if (c === 0x22) this.state = QUOTED;
        } else {
          this.endExtension(c);
        }
        return;
      case QUOTED:
        if (QDTEXT[c] !== 1 && c !== 0x22 && c !== 0x5c) throw new MalformedResponse(`invalid character ${byteName(c)} in quoted chunk extension`);
        this.countExtension();
        if (c === 0x22) this.state = AFTER_QUOTED;
        else if (c === 0x5c) this.state = QUOTED_PAIR;
        return;
      case QUOTED_PAIR:
        if (FIELD_VALUE[c] !== 1) throw new MalformedResponse(`invalid quoted pair ${byteName(c)} in chunk extension`);
        this.countExtension();
        this.state = QUOTED;
        return;
      case AFTER_QUOTED:
        this.endExtension(c);
        return;
      case SIZE_LINE_LF:
        if (c !== LF) throw new MalformedResponse('chunk size line ends in CR without LF');
        if (this.remaining > 0) this.state = DATA;
        else {
          this.trailers = new HeaderLines(0, true);
          this.state = TRAILERS;
        }
        return;
      case DATA_CR:
      case DATA_LF:
        if (c !== (this.state === DATA_CR ? CR : LF)) throw new MalformedResponse('chunk data not followed by CRLF');
        this.state = this.state === DATA_CR ? DATA_LF : SIZE_START;
        return;
      default:
        throw new Error(`unexpected chunked state ${this.state}`);
    }
  }

  /** After an extension's value: another extension or the end of the size line. */
  private endExtension(c: number): void {
    if (c === 0x3b) this.state = EXTENSION_START;
    else if (c === CR) this.state = SIZE_LINE_LF;
    else throw new MalformedResponse(`invalid character ${byteName(c)} in chunk extension value`);
  }

  private countExtension(): void {
    if (++this.extensionBytes > MAX_EXTENSION_BYTES) throw new MalformedResponse('chunk extensions too long', 'HPE_CHUNK_EXTENSIONS_OVERFLOW');
  }
}
