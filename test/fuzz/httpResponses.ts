/**
 * Seeded HTTP/1.1 responses for the differential test against llhttp: well-formed ones (varied
 * headers, Content-Length, chunked and read-to-close bodies, interim answers, trailers, heads near
 * the 16 KiB limit), most of them then mutated (bytes flipped, CR/LF/NUL/controls/separators
 * inserted, lines repeated or dropped, CRLF made LF, the end cut off), and cut into the pieces
 * the server writes one by one.
 */
import { seededRandom } from '../harness/seededRandom.js';

export interface FuzzCase {
  /** The bytes the server sends, then it closes the connection. */
  bytes: Buffer;
  /** Offsets at which the bytes are cut into separate socket writes. */
  cuts: number[];
}

/** One random source per case: case `index` of run `seed` is the same on every machine. */
export function caseRandom(seed: number, index: number): () => number {
  return seededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

export function fuzzCase(random: () => number): FuzzCase {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (below: number) => Math.floor(random() * below);
  const chance = (p: number) => random() < p;

  const { text, headEnd } = response(pick, int, chance);
  let bytes: Buffer = Buffer.from(text, 'latin1');
  const mutations = chance(0.45) ? 0 : 1 + int(chance(0.7) ? 1 : 4);
  for (let m = 0; m < mutations; m++) bytes = mutate(bytes, headEnd, pick, int, chance);
  const cuts = Array.from({ length: int(4) }, () => int(bytes.length + 1)).sort((a, b) => a - b);
  return { bytes, cuts };
}

type Pick = <T>(items: readonly T[]) => T;
type Int = (below: number) => number;
type Chance = (p: number) => boolean;

const VERSIONS = [...Array<string>(12).fill('HTTP/1.1'), 'HTTP/1.0', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'RTSP/1.0', 'ICE/1.0', 'HTTP/1.2', 'HTTP/3.0'];
const STATUSES = [200, 200, 200, 206, 204, 304, 301, 403, 404, 500, 503, 101, 99, 0, 999, 199];
const REASONS = [' OK', ' Partial Content', '', ' ', ' Not  Found', ' \xe9t\xe9', ' tab\there', ' x\x01y'];
const NAMES = [
  'Content-Type',
  'ETag',
  'etag',
  'Last-Modified',
  'x-amz-meta-colour',
  'X-Amz-Meta-Colour',
  'x-amz-request-id',
  'Set-Cookie',
  'Cookie',
  'Server',
  'Date',
  'Age',
  'Vary',
  'Cache-Control',
  'Location',
  'Upgrade',
  'Connection',
  'Proxy-Connection',
  'Keep-Alive',
  'Trailer',
  'constructor',
  '__proto__',
  'x-dup',
  'x-dup',
  'Content-Lengthy',
  'Transfer-Encodings',
];
const VALUES = ['text/plain', '"d41d8cd98f00b204e9800998ecf8427e"', 'a=1; Path=/', 'blue', 'x, y', '', ' padded ', '\tt\t', 'caf\xe9', '12', 'close', 'keep-alive'];
const CONNECTIONS = ['close', 'keep-alive', 'Close', 'upgrade', 'close, upgrade', 'keep-alive, x', 'closed', ' close ', 'close\t', 'x,close', ''];
const CODINGS = ['chunked', 'CHUNKED', 'gzip, chunked', 'chunked, gzip', 'chunked ', 'chunked\t', ',chunked', 'gzip,\tchunked', 'gzip', 'chunkedx', ''];
const LENGTH_FORMS = ['{n}', '{n}', '{n}', '{n}', '{n}', '{n} ', '0{n}', '{n}\t', '+{n}', '{n}, {n}', '', '18446744073709551615', '18446744073709551616'];
const EXTENSIONS = ['', '', '', '', '', '', '', '', ';a', ';a=b', ';a="q \\" d"', ';;=', ';=x', '; a', ';a=b c', ';a="x"y', ';a=x"y"'];
const SIZE_FORMS = ['{x}', '{x}', '{x}', '{x}', '{x}', '{X}', '0000{x}', '{x} ', ' {x}', '{x}\t'];

/** A response that is mostly well-formed; `headEnd` is where the final head ends. */
function response(pick: Pick, int: Int, chance: Chance): { text: string; headEnd: number } {
  let text = chance(0.05) ? pick(['\r\n', '\n', '\r\n\r\n']) : '';
  for (let interim = chance(0.15) ? 1 + int(2) : 0; interim > 0; interim--) {
    const status = pick([100, 100, 102, 103, 150]);
    const connection = chance(0.1) ? `Connection: ${pick(CONNECTIONS)}\r\n` : '';
    text += `${chance(0.9) ? 'HTTP/1.1' : 'HTTP/1.0'} ${status} Continue\r\n${chance(0.3) ? 'Link: </s.css>; rel=preload\r\n' : ''}${connection}\r\n${chance(0.1) ? '\r\n' : ''}`;
  }
  const status = pick(STATUSES);
  text += `${pick(VERSIONS)} ${String(status).padStart(3, '0')}${pick(REASONS)}\r\n`;

  const body = Buffer.from(Array.from({ length: chance(0.05) ? int(70_000) : int(120) }, () => (chance(0.8) ? 0x61 + int(26) : int(256)))).toString('latin1');
  const headers: string[] = [];
  for (let n = int(7); n > 0; n--) headers.push(`${pick(NAMES)}:${pick([' ', '', '  ', '\t'])}${chance(0.02) ? 'v\x7fv' : pick(VALUES)}`);
  if (chance(0.2)) headers.push(`Connection: ${pick(CONNECTIONS)}`);
  if (chance(0.03)) headers.push(`x-big: ${'b'.repeat(16_384 - 40 - int(40))}`);
  // Whitespace before a value is not counted against the 16 KiB; node lists only the first 1000 lines.
  if (chance(0.01)) headers.push(`x-spaced:${' '.repeat(20_000)}v`);
  if (chance(0.01)) for (let n = 0; n < 1001; n++) headers.push(`x-many-${n % 7}: ${n}`);

  const framing = chance(0.05) ? 'both' : pick(['length', 'length', 'chunked', 'chunked', 'close']);
  let payload = '';
  if (framing === 'length' || framing === 'both') {
    const length = chance(0.9) ? body.length : body.length + int(5) - 2;
    headers.push(`${pick(['Content-Length', 'content-length', 'CONTENT-LENGTH'])}: ${pick(LENGTH_FORMS).replaceAll('{n}', String(Math.max(0, length)))}`);
    if (chance(0.05)) headers.push(`Content-Length: ${length}`);
    payload = body;
  }
  if (framing === 'chunked' || framing === 'both') {
    headers.push(`Transfer-Encoding: ${chance(0.7) ? 'chunked' : pick(CODINGS)}`);
    if (chance(0.05)) headers.push(`Transfer-Encoding: ${pick(CODINGS)}`);
    payload = chunked(body, pick, int, chance);
  }
  if (framing === 'close') payload = body;
  for (let i = headers.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [headers[i], headers[j]] = [headers[j]!, headers[i]!];
  }
  text += headers.map((h) => `${h}\r\n`).join('') + '\r\n';
  const headEnd = text.length;
  text += payload;
  if (chance(0.05)) text += pick(['\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'junk']);
  return { text, headEnd };
}

function chunked(body: string, pick: Pick, int: Int, chance: Chance): string {
  let out = '';
  for (let at = 0; at < body.length; ) {
    const size = Math.min(body.length - at, 1 + int(chance(0.1) ? 40_000 : 50));
    const hex = size.toString(16);
    out += `${pick(SIZE_FORMS).replace('{x}', hex).replace('{X}', hex.toUpperCase())}${pick(EXTENSIONS)}\r\n${body.slice(at, at + size)}\r\n`;
    at += size;
  }
  out += `0${chance(0.01) ? `;${'e'.repeat(16_384 - 2 + int(4))}` : pick(EXTENSIONS)}\r\n`;
  for (let n = chance(0.3) ? 1 + int(3) : 0; n > 0; n--) out += `${pick(['x-checksum', 'Expires', 'Content-Length', 'Transfer-Encoding', 'Connection', 'x-t'])}: ${pick(VALUES)}\r\n`;
  if (chance(0.02)) out += `x-big-trailer: ${'t'.repeat(16_384 - 20 - int(10))}\r\n`;
  return `${out}\r\n`;
}

const INSERTS = ['\r', '\n', '\r\n', '\x00', '\x01', '\x0b', '\x1f', '\x7f', ' ', '\t', ':', ',', ';', '"', '\\', '=', '\xff', '0', 'a', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n'];

function mutate(bytes: Buffer, headEnd: number, pick: Pick, int: Int, chance: Chance): Buffer {
  if (bytes.length === 0) return bytes;
  // Most of the parsing happens in the head and in the framing right after it.
  const at = chance(0.75) ? int(Math.min(bytes.length, headEnd + 40)) : int(bytes.length);
  const text = bytes.toString('latin1');
  switch (int(7)) {
    case 0: {
      const copy = Buffer.from(bytes);
      copy[at] = chance(0.5) ? int(256) : copy[at]! ^ (1 << int(8));
      return copy;
    }
    case 1:
      return Buffer.from(text.slice(0, at) + pick(INSERTS) + text.slice(at), 'latin1');
    case 2:
      return Buffer.from(text.slice(0, at) + text.slice(at + 1 + int(3)), 'latin1');
    case 3: {
      // A line repeated, or dropped.
      const start = text.lastIndexOf('\n', at) + 1;
      const end = text.indexOf('\n', at) + 1 || text.length;
      const line = text.slice(start, end);
      return Buffer.from(text.slice(0, start) + (chance(0.6) ? line + line : '') + text.slice(end), 'latin1');
    }
    case 4: {
      // One CRLF made a bare LF or a bare CR.
      const crlf = text.indexOf('\r\n', at);
      if (crlf === -1) return bytes;
      return Buffer.from(text.slice(0, crlf) + pick(['\n', '\r', '\r\r', '\n\r']) + text.slice(crlf + 2), 'latin1');
    }
    case 5:
      return bytes.subarray(0, at);
    default: {
      // A byte's case flipped: names, codings and tokens are case-insensitive, versions are not.
      const copy = Buffer.from(bytes);
      if (/[a-z]/i.test(String.fromCharCode(copy[at]!))) copy[at] = copy[at]! ^ 0x20;
      return copy;
    }
  }
}
