import { algorithmName, CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from './checksums.js';
import { S3Error, s3ErrorFromResponse } from './s3Error.js';
import { childNamed, childText, MalformedXml, readXml, type XmlElement, type XmlReadOptions } from './xmlTree.js';

/**
 * Every XML answer Ferry reads (ListObjectsV2 pages, errors, tags, multipart uploads, STS
 * AssumeRole), read through xmlTree. A read returns what was asked for or throws an S3Error:
 * MalformedResponse for a document that is not well-formed XML (a body cut short by a proxy,
 * garbled bytes), InvalidResponse for a well-formed one without what the operation needs. Both
 * are retryable: a cut body is whole the next time, and a bad answer fails after the retries.
 * Error answers never fail to read: what cannot be read is classified by its HTTP status.
 */

export const MALFORMED_RESPONSE = 'MalformedResponse';
export const INVALID_RESPONSE = 'InvalidResponse';

export interface ListedObject {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  /** ISO 8601. */
  last_modified: string;
}

export interface ListPage {
  objects: ListedObject[];
  /** CommonPrefixes, when the request named a delimiter and there were some. */
  prefixes?: string[];
  truncated: boolean;
  nextToken?: string;
}

function invalid(what: string, reason: string): S3Error {
  return new S3Error(INVALID_RESPONSE, `${what}: ${reason}`, 0, true);
}

function parsed(xml: string, what: string, options?: XmlReadOptions): XmlElement {
  try {
    return readXml(xml, options);
  } catch (err) {
    if (!(err instanceof MalformedXml)) throw err;
    return failMalformed(what, err);
  }
}

function failMalformed(what: string, err: MalformedXml): never {
  throw new S3Error(MALFORMED_RESPONSE, `${what} is not well-formed XML: ${err.message}`, 0, true, { cause: err });
}

function rooted(xml: string, what: string, rootName: string, options?: XmlReadOptions): XmlElement {
  const root = parsed(xml, what, options);
  if (root.name !== rootName) throw invalid(what, `<${root.name}> where <${rootName}> was expected`);
  return root;
}

const LIST_PAGE = 'ListObjectsV2 answer';
const DIGITS = /^[0-9]+$/;

/** A ListBucketResult page: its entries in order, and where the listing goes on. */
export function readListPage(xml: string): ListPage {
  const root = rooted(xml, LIST_PAGE, 'ListBucketResult');
  const objects: ListedObject[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let nextToken: string | undefined;
  for (const child of root.children) {
    switch (child.name) {
      case 'Contents':
        objects.push(listEntry(child));
        break;
      case 'CommonPrefixes':
        prefixes.push(childText(child, 'Prefix') ?? '');
        break;
      case 'IsTruncated':
        truncated = child.text === 'true';
        break;
      case 'NextContinuationToken':
        nextToken = child.text;
        break;
      default:
        break;
    }
  }
  // Going on without a token would end the listing here and call the bucket listed.
  if (truncated && !nextToken) throw invalid(LIST_PAGE, 'IsTruncated without a NextContinuationToken');
  return { objects, ...(prefixes.length > 0 ? { prefixes } : {}), truncated, nextToken };
}

function listEntry(contents: XmlElement): ListedObject {
  let key: string | undefined;
  let size = '0';
  let etag = '';
  let modified: string | undefined;
  for (const field of contents.children) {
    switch (field.name) {
      case 'Key': key = field.text; break;
      case 'Size': size = field.text; break;
      case 'ETag': etag = field.text; break;
      case 'LastModified': modified = field.text; break;
      default: break;
    }
  }
  if (key === undefined) throw invalid(LIST_PAGE, 'an entry without a Key');
  const bytes = Number(size);
  if (!DIGITS.test(size) || !Number.isSafeInteger(bytes)) throw invalid(LIST_PAGE, `Size ${JSON.stringify(size.slice(0, 40))} of ${JSON.stringify(key)} is no byte count`);
  const lastModified = modified ? isoTime(modified) : EPOCH;
  if (lastModified === undefined) throw invalid(LIST_PAGE, `LastModified ${JSON.stringify(modified!.slice(0, 40))} of ${JSON.stringify(key)} is no time`);
  return { key, size: bytes, etag: etag.includes('"') ? etag.replace(/"/g, '') : etag, last_modified: lastModified };
}

const EPOCH = new Date(0).toISOString();
const AS_TO_ISO_STRING_WRITES = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The time as toISOString writes it, or undefined when it is none. S3 writes it that way already,
 * and writing it again is the dearest step of reading an entry, so a time in that form is kept
 * as it is unless Date.parse moves it: days 29 to 31 (2023-02-29 is read as March 1st), hour 24.
 */
function isoTime(text: string): string | undefined {
  const time = Date.parse(text);
  if (Number.isNaN(time)) return undefined;
  const day = (text.charCodeAt(8) - 0x30) * 10 + text.charCodeAt(9) - 0x30;
  if (AS_TO_ISO_STRING_WRITES.test(text) && day <= 28 && !text.startsWith('24', 11)) return text;
  return new Date(time).toISOString();
}

export interface ErrorFields {
  code?: string;
  message?: string;
  /** AuthorizationHeaderMalformed's and PermanentRedirect's bucket region. */
  region?: string;
}

/** The fields of an S3 <Error> (or STS <ErrorResponse><Error>) answer; none when it is no such document. Never throws. */
export function readErrorFields(xml: string): ErrorFields {
  if (xml.length === 0) return {};
  let root: XmlElement;
  try {
    root = readXml(xml);
  } catch (err) {
    if (err instanceof MalformedXml) return {};
    throw err;
  }
  const error = root.name === 'Error' ? root : childNamed(root, 'Error');
  if (!error) return {};
  return { code: childText(error, 'Code'), message: childText(error, 'Message'), region: childText(error, 'Region') };
}

/** The S3Error a non-2xx answer stands for: its code and message when its body says, its status otherwise. */
export function errorFromBody(status: number, body: Buffer): S3Error {
  const { code, message } = readErrorFields(body.toString('utf8'));
  return s3ErrorFromResponse(status, code, message);
}

/** Some S3 operations (CopyObject, UploadPartCopy, CompleteMultipartUpload) answer 200 with an <Error> body. */
export function embeddedError(status: number, body: Buffer): S3Error | undefined {
  const xml = body.toString('utf8');
  if (!xml.includes('<Error')) return undefined;
  let root: XmlElement;
  try {
    root = readXml(xml);
  } catch (err) {
    if (!(err instanceof MalformedXml)) throw err;
    // An error answer cut short: whether the operation happened is unknown, so it did not.
    return new S3Error(MALFORMED_RESPONSE, `HTTP ${status} answer with an <Error> is not well-formed XML: ${err.message}`, status, true, { cause: err });
  }
  if (root.name !== 'Error') return undefined;
  return s3ErrorFromResponse(status >= 300 ? status : 500, childText(root, 'Code'), childText(root, 'Message'));
}

/** s3rver writes tag keys and values unescaped ('&', '<'): read as text up to their closing tag. */
const TAG_TEXT: XmlReadOptions = { rawTextElements: new Set(['Key', 'Value']) };

/** A <Tagging> answer's tags, in order; a tag without a Value has ''. */
export function readTags(xml: string): Array<[string, string]> {
  const root = rooted(xml, 'GetObjectTagging answer', 'Tagging', TAG_TEXT);
  const set = childNamed(root, 'TagSet');
  const tags: Array<[string, string]> = [];
  for (const tag of set?.children ?? []) {
    if (tag.name !== 'Tag') continue;
    const key = childText(tag, 'Key');
    if (key === undefined) throw invalid('GetObjectTagging answer', 'a Tag without a Key');
    tags.push([key, childText(tag, 'Value') ?? '']);
  }
  return tags;
}

/** The UploadId of an InitiateMultipartUploadResult. */
export function readUploadId(xml: string): string {
  const what = 'CreateMultipartUpload answer';
  const id = childText(rooted(xml, what, 'InitiateMultipartUploadResult'), 'UploadId');
  if (!id) throw invalid(what, 'no UploadId');
  return id;
}

/** The ETag of a CopyPartResult, as sent (quoted). */
export function readCopyPartEtag(xml: string): string {
  const what = 'UploadPartCopy answer';
  const etag = childText(rooted(xml, what, 'CopyPartResult'), 'ETag');
  if (!etag) throw invalid(what, 'no ETag');
  return etag;
}

/** The ETag of a CopyObjectResult, as sent; '' when it has none. */
export function readCopyObjectEtag(xml: string): string {
  return childText(rooted(xml, 'CopyObject answer', 'CopyObjectResult'), 'ETag') ?? '';
}

export interface AssumedRoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The Credentials of an STS AssumeRoleResponse (AWS's and Ceph RGW's). */
export function readAssumeRoleCredentials(xml: string): AssumedRoleCredentials {
  const what = 'STS AssumeRole answer';
  const root = rooted(xml, what, 'AssumeRoleResponse');
  const credentials = childNamed(childNamed(root, 'AssumeRoleResult') ?? root, 'Credentials');
  const accessKeyId = credentials && childText(credentials, 'AccessKeyId');
  const secretAccessKey = credentials && childText(credentials, 'SecretAccessKey');
  if (!credentials || !accessKeyId || !secretAccessKey) throw invalid(what, 'no credentials');
  const expiration = childText(credentials, 'Expiration');
  const expires = expiration === undefined ? undefined : new Date(expiration);
  if (expires && Number.isNaN(expires.getTime())) throw invalid(what, `Expiration ${JSON.stringify(expiration!.slice(0, 40))} is no time`);
  return { accessKeyId, secretAccessKey, sessionToken: childText(credentials, 'SessionToken') || undefined, expiration: expires };
}

/** One part of a ListParts answer. */
export interface ListedPart {
  number: number;
  /** Without quotes. */
  etag: string;
  size: number;
  /** The part's additional checksums (`ChecksumCRC32C`...), by algorithm, where the server lists them (S3 does). */
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

/** A ListPartsResult page: its parts, and the marker the next page starts after when it is truncated. */
export function readListParts(xml: string): { parts: ListedPart[]; nextMarker?: string } {
  const what = 'ListParts answer';
  const root = rooted(xml, what, 'ListPartsResult');
  const parts: ListedPart[] = [];
  let truncated = false;
  let nextMarker: string | undefined;
  for (const child of root.children) {
    if (child.name === 'IsTruncated') truncated = child.text === 'true';
    else if (child.name === 'NextPartNumberMarker') nextMarker = child.text;
    else if (child.name === 'Part') {
      const number = childText(child, 'PartNumber') ?? '';
      const size = childText(child, 'Size') ?? '';
      const etag = childText(child, 'ETag');
      if (!DIGITS.test(number) || !DIGITS.test(size) || !etag) throw invalid(what, 'a Part without PartNumber, Size or ETag');
      const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
      for (const algorithm of CHECKSUM_ALGORITHMS) {
        const value = childText(child, `Checksum${algorithmName(algorithm)}`);
        if (value) checksums[algorithm] = value;
      }
      const listed: ListedPart = { number: Number(number), etag: etag.replace(/"/g, ''), size: Number(size) };
      parts.push(Object.keys(checksums).length > 0 ? { ...listed, checksums } : listed);
    }
  }
  if (truncated && !nextMarker) throw invalid(what, 'truncated without NextPartNumberMarker');
  return truncated ? { parts, nextMarker } : { parts };
}
