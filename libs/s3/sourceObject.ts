import { carriedHeaders } from './objectHeaders.js';
import { S3Error, classifyS3Error } from './s3Error.js';
import { readDetail, type ResponseBody, type StreamedResponse } from '../http1/responseBody.js';
import { errorFromBody } from './responseDocuments.js';
import { header, isSuccessStatus, unquoteEtag, type SignedHttp } from './signedHttp.js';
import { endpointReportsTaggingCount, getTaggingXml, tagsNeedFetching } from './tagging.js';
import type { CopyRequest } from './copyTypes.js';
import { reportedChecksum, type ObjectChecksum } from './checksums.js';

/** Asks the source for the object's additional checksum (S3 answers it only when asked). */
const CHECKSUM_MODE = { 'x-amz-checksum-mode': 'ENABLED' };

export interface SourceObject {
  body: ResponseBody;
  /** The whole object's size (a ranged body holds `length - offset` bytes). */
  length: number;
  /** Where in the object the body starts: 0 unless a range from `offset` was asked for and answered. */
  offset: number;
  /** Last-Modified as the source sent it, when it did. */
  lastModified?: string;
  /** Without quotes. */
  etag: string;
  /** Content-* headers, Expires and x-amz-meta-* to put on the copy. */
  headers: Record<string, string>;
  /** The additional checksum the source stores with the object (x-amz-checksum-*), if any. */
  checksum: ObjectChecksum | undefined;
  /** The source's <Tagging> document, or undefined when untagged. */
  tags(): Promise<string | undefined>;
}

/**
 * GETs the source object; its body is left unread for the caller to stream. With `from`, only the bytes from
 * `from.offset` on, of the version whose ETag is `from.etag` (If-Match; a server that ignores the range sends
 * the whole object, and offset says so).
 */
export async function openSource(http: SignedHttp, req: CopyRequest, from?: { offset: number; etag: string }): Promise<SourceObject> {
  const { source, sourceBucket: bucket, key, signal } = req;
  // An endpoint that does not report tag counts has its tags asked for alongside the GET.
  const version = req.sourceVersionId;
  const early = endpointReportsTaggingCount(source) ? undefined : settle(getTaggingXml(http, source, bucket, key, signal, version));
  let res: StreamedResponse;
  try {
    // A resumed copy reads from its first unfinished part, of the version it began with; a range answers no whole-object checksum.
    const headers = from && from.offset > 0 ? { range: `bytes=${from.offset}-`, 'if-match': `"${from.etag}"` } : CHECKSUM_MODE;
    res = await http.get(source, { bucket, key, signal, headers, ...(version === undefined ? {} : { query: { versionId: version } }) });
  } catch (err) {
    throw classifyS3Error(err);
  }
  const { body } = res;
  if (!isSuccessStatus(res.status)) {
    const err = errorFromBody(res.status, await readDetail(body));
    throw err.status === 404 && err.code === 'NotFound' ? new S3Error('NoSuchKey', 'The specified key does not exist.', 404, false) : err;
  }
  const lengthHeader = header(res.headers, 'content-length');
  if (lengthHeader === undefined) {
    body.destroy();
    throw new S3Error('InvalidResponse', 'source GET answered without Content-Length', 0, true);
  }
  let length = Number(lengthHeader);
  let offset = 0;
  if (res.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header(res.headers, 'content-range') ?? '');
    if (!range || Number(range[2]) - Number(range[1]) + 1 !== length) {
      body.destroy();
      throw new S3Error('InvalidResponse', 'source answered a range without a Content-Range that matches its body', 0, true);
    }
    offset = Number(range[1]);
    length = Number(range[3]);
  }
  // Settled here and turned back into a rejection only when asked for: a copy that fails
  // first never asks, and a rejection nobody awaits would end the process.
  let fetched: Promise<Settled<string | undefined>> | undefined;
  if (tagsNeedFetching(source, res.headers)) fetched = early ?? settle(getTaggingXml(http, source, bucket, key, signal, version));
  const tags = () => (fetched ? fetched.then(unsettle) : Promise.resolve(undefined));
  return {
    body,
    length,
    offset,
    ...(header(res.headers, 'last-modified') ? { lastModified: header(res.headers, 'last-modified') } : {}),
    etag: unquoteEtag(header(res.headers, 'etag')),
    headers: carriedHeaders(res.headers),
    checksum: reportedChecksum(res.headers),
    tags,
  };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Keeps a promise that may never be awaited from becoming an unhandled rejection. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then((value) => ({ ok: true, value }), (error: unknown) => ({ ok: false, error }));
}

function unsettle<T>(s: Settled<T>): T {
  if (s.ok) return s.value;
  throw s.error;
}
