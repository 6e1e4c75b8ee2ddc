import { MalformedResponse } from './responseHead.js';

const MAX_LINE = 4096;
const CHUNK_SIZE_LINE = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/;

/**
 * Decodes a chunked response body (RFC 9112 §7.1) as its bytes arrive, in whatever pieces.
 * S3 answers object GETs with a Content-Length; chunked bodies are error documents and
 * the odd proxy, so the data comes out as views of the input, never pooled memory.
 */
export class ChunkedDecoder {
  private state: 'size' | 'data' | 'dataEnd' | 'trailer' | 'done' = 'size';
  private line = '';
  private remaining = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  /** The data `input` carries, in order; `used` is how many bytes were read (fewer once the body has ended). */
  push(input: Buffer): { data: Buffer[]; used: number } {
    const data: Buffer[] = [];
    let i = 0;
    while (i < input.length && this.state !== 'done') {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, input.length - i);
        data.push(input.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'dataEnd';
        continue;
      }
      const lf = input.indexOf(10, i);
      this.line += input.toString('latin1', i, lf === -1 ? input.length : lf);
      if (this.line.length > MAX_LINE) throw new MalformedResponse('chunked framing line too long');
      if (lf === -1) return { data, used: input.length };
      i = lf + 1;
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
      this.line = '';
      this.endOfLine(line);
    }
    return { data, used: i };
  }

  private endOfLine(line: string): void {
    switch (this.state) {
      case 'size': {
        const size = CHUNK_SIZE_LINE.exec(line);
        if (!size) throw new MalformedResponse(`bad chunk size line: ${JSON.stringify(line.slice(0, 40))}`);
        this.remaining = parseInt(size[1]!, 16);
        this.state = this.remaining === 0 ? 'trailer' : 'data';
        return;
      }
      case 'dataEnd':
        if (line !== '') throw new MalformedResponse('chunk data not followed by CRLF');
        this.state = 'size';
        return;
      case 'trailer':
        if (line === '') this.state = 'done';
        return;
      case 'data':
      case 'done':
        return;
      default: {
        const unreachable: never = this.state;
        throw new Error(`unknown state ${String(unreachable)}`);
      }
    }
  }
}
