/**
 * Seeded generator of valid S3 and STS answers, each with what reading it must give: ListObjectsV2
 * pages, S3 and STS errors, tag sets, InitiateMultipartUploadResult, CopyPartResult,
 * CopyObjectResult, AssumeRoleResponse. Text is written the ways servers write it: the five named
 * entities, decimal and hex character references, CDATA sections, comments and processing
 * instructions between elements, pretty-printed or not, with or without an XML declaration.
 */
import type { AssumedRoleCredentials, ErrorFields, ListPage, ListedObject } from '../../libs/s3/responseDocuments.js';
import { seededRandom } from '../harness/seededRandom.js';

export class Draw {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

export type Expected =
  | { kind: 'listPage'; value: ListPage }
  | { kind: 'error'; value: ErrorFields }
  | { kind: 'tags'; value: Array<[string, string]> }
  | { kind: 'uploadId'; value: string }
  | { kind: 'copyPartEtag'; value: string }
  | { kind: 'copyObject'; value: undefined }
  | { kind: 'credentials'; value: AssumedRoleCredentials };

export interface GeneratedDocument {
  xml: string;
  expected: Expected;
}

const XML_SPECIALS = ['&', '<', '>', '"', "'"];
const NAMED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** One character, from a mix meant to find mistakes: ASCII, XML's specials, controls, BMP and astral characters. */
function character(d: Draw): string {
  switch (d.below(8)) {
    case 0: return d.pick(XML_SPECIALS);
    case 1: return String.fromCodePoint(1 + d.below(31));
    case 2: return String.fromCodePoint(0x80 + d.below(0xd800 - 0x80));
    case 3: return String.fromCodePoint(0xe000 + d.below(0x10000 - 0xe000));
    case 4: return String.fromCodePoint(0x10000 + d.below(0x110000 - 0x10000));
    case 5: return d.pick([';', '#', ']', '!', '?', '-', '/', '=', ' ', '\t', 'x']);
    default: return String.fromCharCode(0x20 + d.below(0x5f));
  }
}

export function unicodeText(d: Draw, maxLength: number, minLength = 0): string {
  const length = minLength + d.below(maxLength - minLength + 1);
  let text = '';
  for (let i = 0; i < length; i++) text += character(d);
  return text;
}

function plainName(d: Draw, maxLength: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_./';
  let text = '';
  const length = 1 + d.below(maxLength);
  for (let i = 0; i < length; i++) text += alphabet[d.below(alphabet.length)];
  return text;
}

/** A code point written as a character reference, decimal or hex, sometimes zero-padded. */
function reference(d: Draw, code: number): string {
  const pad = d.chance(0.1) ? '000' : '';
  return d.chance(0.5) ? `&#${pad}${code};` : `&#x${pad}${code.toString(16)[d.chance(0.5) ? 'toUpperCase' : 'toLowerCase']()};`;
}

/** Text escaped as a server might: named entities or references for specials, references for controls and at random. */
export function escaped(d: Draw, text: string, allowCdata = true): string {
  if (allowCdata && text.length > 0 && !text.includes(']]>') && !/[\x01-\x08\x0b\x0c\x0e-\x1f]/.test(text) && !text.includes('\r') && d.chance(0.1)) {
    return `<![CDATA[${text}]]>`;
  }
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (NAMED[c] && (c === '&' || c === '<' || d.chance(0.7))) out += d.chance(0.8) ? NAMED[c] : reference(d, code);
    else if (code < 0x20 && c !== '\t' && c !== '\n') out += reference(d, code);
    else if (d.chance(0.03)) out += reference(d, code);
    else out += c;
  }
  return out;
}

/** Whitespace, a comment or a processing instruction, between elements. */
function between(d: Draw, pretty: boolean): string {
  const roll = d.below(20);
  if (roll === 0) return `<!--${unicodeText(d, 8).replace(/-/g, '_')}-->`;
  if (roll === 1) return '<?ferry-fuzz note="x"?>';
  return pretty ? `\n${' '.repeat(d.below(5))}` : '';
}

function element(d: Draw, name: string, content: string, pretty: boolean): string {
  return `${between(d, pretty)}<${name}>${content}</${name}>`;
}

function prolog(d: Draw): string {
  const roll = d.below(4);
  if (roll === 0) return '';
  if (roll === 1) return '\ufeff<?xml version="1.0" encoding="UTF-8"?>';
  return `<?xml version='1.0' encoding='UTF-8'?>${d.chance(0.5) ? '\n' : ''}`;
}

function rootOpen(d: Draw, name: string, namespace: string): string {
  if (d.chance(0.3)) return `<${name}>`;
  return d.chance(0.5) ? `<${name} xmlns="${namespace}">` : `<${name}\n  xmlns = '${namespace}' >`;
}

function document(d: Draw, name: string, namespace: string, children: string, pretty: boolean): string {
  const closing = d.chance(0.2) ? `</${name} >` : `</${name}>`;
  return `${prolog(d)}${rootOpen(d, name, namespace)}${children}${pretty ? '\n' : ''}${closing}${d.chance(0.2) ? '\n<!-- end -->\n' : ''}`;
}

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function isoTime(d: Draw): { text: string; iso: string } {
  const ms = d.below(4102444800000);
  const iso = new Date(ms).toISOString();
  return { text: ms % 1000 === 0 && d.chance(0.5) ? iso.replace('.000Z', 'Z') : iso, iso };
}

function etagHex(d: Draw): string {
  let hex = '';
  for (let i = 0; i < 32; i++) hex += '0123456789abcdef'[d.below(16)];
  return d.chance(0.2) ? `${hex}-${1 + d.below(10000)}` : hex;
}

function size(d: Draw): number {
  const roll = d.below(4);
  if (roll === 0) return 0;
  if (roll === 1) return Number.MAX_SAFE_INTEGER - d.below(1000);
  return d.below(2 ** 40);
}

function listEntry(d: Draw, pretty: boolean): { xml: string; value: ListedObject } {
  const key = d.chance(0.5) ? plainName(d, 40) : unicodeText(d, 30, 1);
  const time = isoTime(d);
  const etag = etagHex(d);
  const bytes = size(d);
  const quoted = d.chance(0.7) ? `&quot;${etag}&quot;` : d.chance(0.5) ? `"${etag}"` : `&#34;${etag}&#x22;`;
  const fields = [
    element(d, 'Key', escaped(d, key), pretty),
    element(d, 'LastModified', time.text, pretty),
    element(d, 'ETag', quoted, pretty),
    d.chance(0.3) ? element(d, 'ChecksumAlgorithm', d.pick(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA256']), pretty) : '',
    element(d, 'Size', String(bytes), pretty),
    d.chance(0.2) ? element(d, 'Owner', `<ID>${plainName(d, 64)}</ID><DisplayName>${escaped(d, unicodeText(d, 10))}</DisplayName>`, pretty) : '',
    element(d, 'StorageClass', d.pick(['STANDARD', 'STANDARD_IA', 'GLACIER', 'INTELLIGENT_TIERING']), pretty),
  ];
  return { xml: element(d, 'Contents', fields.join('') + (pretty ? '\n' : ''), pretty), value: { key, size: bytes, etag, last_modified: time.iso } };
}

/** A ListObjectsV2 page of `count` entries (a random few when not given). */
export function listPage(d: Draw, count = d.chance(0.005) ? 300 + d.below(701) : d.below(12)): GeneratedDocument {
  const pretty = d.chance(0.3);
  const entries = Array.from({ length: count }, () => listEntry(d, pretty));
  const truncated = d.chance(0.5);
  const token = truncated ? unicodeText(d, 40, 1) : undefined;
  const head = [
    element(d, 'Name', escaped(d, plainName(d, 20)), pretty),
    element(d, 'Prefix', escaped(d, d.chance(0.5) ? '' : unicodeText(d, 8)), pretty),
    d.chance(0.3) ? element(d, 'ContinuationToken', escaped(d, unicodeText(d, 20)), pretty) : '',
    element(d, 'KeyCount', String(count), pretty),
    element(d, 'MaxKeys', '1000', pretty),
    d.chance(0.1) ? element(d, 'Delimiter', '/', pretty) : '',
  ];
  const state = [element(d, 'IsTruncated', String(truncated), pretty), token === undefined ? '' : element(d, 'NextContinuationToken', escaped(d, token), pretty)];
  const children = d.chance(0.5) ? [...head, ...state, ...entries.map((e) => e.xml)] : [...head, ...entries.map((e) => e.xml), ...state];
  return {
    xml: document(d, 'ListBucketResult', S3_NS, children.join(''), pretty),
    expected: { kind: 'listPage', value: { objects: entries.map((e) => e.value), truncated, nextToken: token } },
  };
}

const ERROR_CODES = ['NoSuchKey', 'AccessDenied', 'SlowDown', 'InternalError', 'AuthorizationHeaderMalformed', 'PermanentRedirect', 'InvalidClientTokenId', 'ExpiredToken'];

function errorDocument(d: Draw): GeneratedDocument {
  const pretty = d.chance(0.3);
  const code = d.chance(0.8) ? d.pick(ERROR_CODES) : unicodeText(d, 12, 1);
  const message = d.chance(0.9) ? unicodeText(d, 60) : undefined;
  const region = d.chance(0.2) ? d.pick(['eu-west-1', 'us-east-2', unicodeText(d, 6, 1)]) : undefined;
  const fields = [
    d.chance(0.3) ? element(d, 'Type', 'Sender', pretty) : '',
    element(d, 'Code', escaped(d, code), pretty),
    message === undefined ? '' : element(d, 'Message', escaped(d, message), pretty),
    region === undefined ? '' : element(d, 'Region', escaped(d, region), pretty),
    element(d, 'RequestId', plainName(d, 16), pretty),
  ].join('');
  const xml = d.chance(0.3)
    ? document(d, 'ErrorResponse', 'https://sts.amazonaws.com/doc/2011-06-15/', element(d, 'Error', fields, pretty) + element(d, 'RequestId', plainName(d, 16), pretty), pretty)
    : document(d, 'Error', S3_NS, fields, pretty);
  return { xml, expected: { kind: 'error', value: { code, message, region } } };
}

/**
 * A tag set, written escaped or, as s3rver does, unescaped ('&' and '<' as they are): never
 * in CDATA, as a tag's Key and Value are read as raw text (xmlTree's one leniency).
 */
function tagging(d: Draw): GeneratedDocument {
  const pretty = d.chance(0.3);
  const tags = Array.from({ length: d.below(6) }, (): [string, string] => [unicodeText(d, 20, 1), unicodeText(d, 30)]);
  const s3rverStyle = d.chance(0.3);
  const text = (s: string) => (s3rverStyle && !/&[#a-zA-Z]/.test(s) && !s.includes('</') && !/[\x01-\x08\x0b\x0c\x0e-\x1f\r]/.test(s) ? s : escaped(d, s, false));
  const set = tags.map(([k, v]) => element(d, 'Tag', `<Key>${text(k)}</Key>${v === '' && d.chance(0.5) ? '<Value/>' : `<Value>${text(v)}</Value>`}`, pretty)).join('');
  const tagSet = set === '' && d.chance(0.5) ? '<TagSet />' : element(d, 'TagSet', set, pretty);
  return { xml: document(d, 'Tagging', S3_NS, tagSet, pretty), expected: { kind: 'tags', value: tags } };
}

function initiateMultipartUpload(d: Draw): GeneratedDocument {
  const pretty = d.chance(0.3);
  const uploadId = unicodeText(d, 60, 1);
  const children = element(d, 'Bucket', escaped(d, plainName(d, 20)), pretty) + element(d, 'Key', escaped(d, unicodeText(d, 30, 1)), pretty) + element(d, 'UploadId', escaped(d, uploadId), pretty);
  return { xml: document(d, 'InitiateMultipartUploadResult', S3_NS, children, pretty), expected: { kind: 'uploadId', value: uploadId } };
}

function copyPartResult(d: Draw): GeneratedDocument {
  const pretty = d.chance(0.3);
  const etag = `"${etagHex(d)}"`;
  const children = element(d, 'LastModified', isoTime(d).text, pretty) + element(d, 'ETag', escaped(d, etag), pretty);
  return { xml: document(d, 'CopyPartResult', S3_NS, children, pretty), expected: { kind: 'copyPartEtag', value: etag } };
}

function copyObjectResult(d: Draw): GeneratedDocument {
  const pretty = d.chance(0.3);
  const children = element(d, 'ETag', escaped(d, `"${etagHex(d)}"`), pretty) + element(d, 'LastModified', isoTime(d).text, pretty);
  return { xml: document(d, 'CopyObjectResult', S3_NS, children, pretty), expected: { kind: 'copyObject', value: undefined } };
}

function assumeRoleResponse(d: Draw): GeneratedDocument {
  const pretty = d.chance(0.3);
  const time = isoTime(d);
  const value: AssumedRoleCredentials = {
    accessKeyId: plainName(d, 20),
    secretAccessKey: unicodeText(d, 40, 1),
    sessionToken: d.chance(0.8) ? unicodeText(d, 80, 1) : undefined,
    expiration: d.chance(0.9) ? new Date(time.iso) : undefined,
  };
  const credentials = [
    element(d, 'AccessKeyId', escaped(d, value.accessKeyId), pretty),
    element(d, 'SecretAccessKey', escaped(d, value.secretAccessKey), pretty),
    value.sessionToken === undefined ? '' : element(d, 'SessionToken', escaped(d, value.sessionToken), pretty),
    value.expiration === undefined ? '' : element(d, 'Expiration', time.text, pretty),
  ].join('');
  const result = element(d, 'Credentials', credentials, pretty) + element(d, 'AssumedRoleUser', `<Arn>${escaped(d, unicodeText(d, 20))}</Arn><AssumedRoleId>X:ferry</AssumedRoleId>`, pretty);
  const children = element(d, 'AssumeRoleResult', result, pretty) + element(d, 'ResponseMetadata', `<RequestId>${plainName(d, 16)}</RequestId>`, pretty);
  return { xml: document(d, 'AssumeRoleResponse', 'https://sts.amazonaws.com/doc/2011-06-15/', children, pretty), expected: { kind: 'credentials', value } };
}

const KINDS = [listPage, errorDocument, tagging, initiateMultipartUpload, copyPartResult, copyObjectResult, assumeRoleResponse] as const;

/** One valid answer of a random kind. */
export function s3Document(d: Draw): GeneratedDocument {
  return d.pick(KINDS)(d);
}
