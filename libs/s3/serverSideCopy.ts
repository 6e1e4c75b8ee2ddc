import { abortMultipartUpload } from './cleanup.js';
import type { CleanupFailureReporter, CopyRequest, CopyResult } from './copyTypes.js';
import { endpointIdentity } from './endpoint.js';
import { carriedHeaders } from './objectHeaders.js';
import { MAX_PART, MIN_PART, multipartCount, type PartLayout } from './partLayout.js';
import { choosePartSize } from './partSize.js';
import { classifyS3Error, S3Error } from './s3Error.js';
import { embeddedError, readCopyObjectEtag, readCopyPartEtag, readUploadId } from './responseDocuments.js';
import { learnSourceLayout } from './sourceLayout.js';
import { header, unquoteEtag, type SignedHttp } from './signedHttp.js';
import { getTaggingXml, putTaggingXml } from './tagging.js';
import { copySource, hasReservedCharacters, type CopySourceStyle } from './uri.js';

type Operation = 'CopyObject' | 'UploadPartCopy';

/** Per endpoint identity: operations it answered 501 to, and the copy-source spelling it understands. */
const notImplemented = new Map<string, Set<Operation>>();
const sourceStyle = new Map<string, CopySourceStyle>();
/**
 * Endpoints whose CopyObject of a multipart object answers a new, single-part ETag (AWS S3), where
 * keeping the source's `md5-N` takes UploadPartCopy in its parts. Ceph RGW keeps the ETag on
 * CopyObject, so it stays out of this set and its copies cost one request.
 */
const copyObjectChangesMultipartEtag = new Set<string>();

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const MIN_COPY_PART = 512 * MiB;
/** Seconds of a job's rate cap one server-side copy request may move, so the cap holds second by second. */
const CAPPED_REQUEST_SECONDS = 2;

/** Largest copy request under the job's rate cap; unbounded without a cap. */
function cappedRequestBytes(req: CopyRequest): number {
  if (!req.throttle || !req.rateBytesPerSecond) return Infinity;
  return Math.min(MAX_PART, Math.max(MIN_PART, Math.round(req.rateBytesPerSecond * CAPPED_REQUEST_SECONDS)));
}

function supports(id: string, op: Operation): boolean {
  return !notImplemented.get(id)?.has(op);
}

function markNotImplemented(id: string, op: Operation): void {
  let ops = notImplemented.get(id);
  if (!ops) notImplemented.set(id, (ops = new Set()));
  ops.add(op);
}

/**
 * Copies inside one cluster without moving bytes. Resolves undefined when the
 * endpoint cannot do it for this object, and the caller streams instead.
 */
export async function serverSideCopy(
  http: SignedHttp,
  req: CopyRequest,
  options: { maxSingleCopySize: number; partSize: number; concurrency: number; onCleanupFailed?: CleanupFailureReporter },
): Promise<CopyResult | undefined> {
  const id = endpointIdentity(req.destination);
  let op: Operation = req.size > Math.min(options.maxSingleCopySize, cappedRequestBytes(req)) ? 'UploadPartCopy' : 'CopyObject';
  const multipart = multipartCount(req.etag) !== undefined;
  // Copied in parts, a multipart source keeps its ETag only in its own parts: one HEAD tells them.
  let layout: PartLayout | undefined;
  if (multipart && supports(id, 'UploadPartCopy') && (op === 'UploadPartCopy' || copyObjectChangesMultipartEtag.has(id))) {
    layout = await learnSourceLayout(http, req, options.partSize);
    if (layout) op = 'UploadPartCopy';
  }
  if (!supports(id, op)) return undefined;
  // s3rver copies drop tags (S3 keeps them), so they are read and written back either way.
  const tags = getTaggingXml(http, req.source, req.sourceBucket, req.key, req.signal).then(
    (xml) => ({ xml }),
    (error: unknown) => ({ error }),
  );
  try {
    // Bytes copied inside the cluster count against the job's rate cap like streamed ones.
    if (op === 'CopyObject') await req.throttle?.(req.size, req.signal);
    const copied = op === 'CopyObject' ? await copyObject(http, req, id) : await uploadPartCopy(http, req, { ...options, layout });
    if (copied === false) return undefined;
    const answered = multipart && Buffer.isBuffer(copied) ? unquoteEtag(readCopyObjectEtag(copied.toString('utf8'))) : '';
    if (answered !== '' && multipartCount(answered) === undefined) {
      // This endpoint gives copies a new ETag: from now on multipart sources go by UploadPartCopy, this one again.
      copyObjectChangesMultipartEtag.add(id);
      await copyAgainInParts(http, req, id, options);
    }
  } catch (err) {
    const e = classifyS3Error(err);
    if (e.code !== 'NotImplemented') throw e;
    markNotImplemented(id, op);
    return undefined;
  }
  const t = await tags;
  if ('error' in t) throw classifyS3Error(t.error);
  if (t.xml) await putTaggingXml(http, req.destination, req.destinationBucket, req.key, t.xml, req.signal);
  return { bytes: req.size, method: 'server-side' };
}

/** A multipart object CopyObject gave a new ETag, copied over by UploadPartCopy in its source's parts (once per endpoint). */
async function copyAgainInParts(
  http: SignedHttp,
  req: CopyRequest,
  id: string,
  options: { partSize: number; concurrency: number; onCleanupFailed?: CleanupFailureReporter },
): Promise<void> {
  const layout = supports(id, 'UploadPartCopy') ? await learnSourceLayout(http, req, options.partSize) : undefined;
  if (!layout) return;
  try {
    await uploadPartCopy(http, req, { ...options, layout });
  } catch (err) {
    // The CopyObject copy stands, with its new ETag.
    const e = classifyS3Error(err);
    if (e.code !== 'NotImplemented') throw e;
    markNotImplemented(id, 'UploadPartCopy');
  }
}

/**
 * CopyObject, trying the other copy-source spelling when a key with reserved characters is "missing".
 * Resolves the answer's body, or false when the key is missing either way.
 */
async function copyObject(http: SignedHttp, req: CopyRequest, id: string): Promise<Buffer | false> {
  const style = sourceStyle.get(id) ?? 'rfc3986';
  try {
    return await sendCopyObject(http, req, style);
  } catch (err) {
    const e = classifyS3Error(err);
    if (e.code !== 'NoSuchKey' || !hasReservedCharacters(req.key)) throw e;
    await http.call(req.source, { method: 'HEAD', bucket: req.sourceBucket, key: req.key, signal: req.signal }).catch((headErr: unknown) => {
      const h = classifyS3Error(headErr);
      throw h.status === 404 ? new S3Error('NoSuchKey', 'The specified key does not exist.', 404, false) : h;
    });
  }
  const other: CopySourceStyle = style === 'rfc3986' ? 'reserved-raw' : 'rfc3986';
  try {
    const etag = await sendCopyObject(http, req, other);
    sourceStyle.set(id, other);
    return etag;
  } catch (err) {
    const e = classifyS3Error(err);
    if (e.code === 'NoSuchKey') return false;
    throw e;
  }
}

async function sendCopyObject(http: SignedHttp, req: CopyRequest, style: CopySourceStyle): Promise<Buffer> {
  const { res, body } = await http.call(req.destination, {
    method: 'PUT',
    bucket: req.destinationBucket,
    key: req.key,
    signal: req.signal,
    headers: {
      'x-amz-copy-source': copySource(req.sourceBucket, req.key, style),
      'x-amz-metadata-directive': 'COPY',
    },
  });
  const failed = embeddedError(res.statusCode ?? 200, body);
  if (failed) throw failed;
  return body;
}

/**
 * Multipart copy by byte ranges: for objects over the single-copy limit or a job's rate cap, and for
 * multipart sources, in the source's own parts (`layout`) so the copy keeps the source's ETag.
 */
async function uploadPartCopy(
  http: SignedHttp,
  req: CopyRequest,
  options: { partSize: number; concurrency: number; layout?: PartLayout; onCleanupFailed?: CleanupFailureReporter },
): Promise<true> {
  const { destination, destinationBucket: bucket, key, signal } = req;
  const { res: head } = await http.call(req.source, { method: 'HEAD', bucket: req.sourceBucket, key, signal });
  const size = Number(header(head.headers, 'content-length') ?? req.size);
  // The layout holds for the object listed; one replaced since is copied in Ferry's own parts.
  const unchanged = size === req.size && unquoteEtag(header(head.headers, 'etag')).toLowerCase() === unquoteEtag(req.etag).toLowerCase();
  const layout = unchanged ? options.layout : undefined;
  const { body: created } = await http.call(destination, {
    method: 'POST',
    bucket,
    key,
    query: { uploads: '' },
    headers: carriedHeaders(head.headers),
    signal,
  });
  const uploadId = readUploadId(created.toString('utf8'));
  const capped = cappedRequestBytes(req);
  const partSize = layout?.partSize ?? choosePartSize(size, Number.isFinite(capped) ? capped : Math.max(options.partSize, MIN_COPY_PART));
  const source = copySource(req.sourceBucket, key, sourceStyle.get(endpointIdentity(destination)) ?? 'rfc3986');
  const etags: string[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next * partSize < size) {
      const index = next++;
      const start = index * partSize;
      const end = Math.min(size, start + partSize) - 1;
      await req.throttle?.(end - start + 1, req.signal);
      const { res, body } = await http.call(destination, {
        method: 'PUT',
        bucket,
        key,
        query: { partNumber: String(index + 1), uploadId },
        headers: { 'x-amz-copy-source': source, 'x-amz-copy-source-range': `bytes=${start}-${end}` },
        signal,
      });
      const error = embeddedError(res.statusCode ?? 200, body);
      if (error) throw error;
      etags[index] = unquoteEtag(readCopyPartEtag(body.toString('utf8')));
    }
  };
  try {
    const workers = Array.from({ length: Math.min(options.concurrency, Math.ceil(size / partSize)) }, () =>
      worker().catch((err: unknown) => {
        failed = true;
        throw err;
      }),
    );
    const results = await Promise.allSettled(workers);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const xml =
      '<CompleteMultipartUpload>' +
      etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${etag}"</ETag></Part>`).join('') +
      '</CompleteMultipartUpload>';
    const { res, body } = await http.call(destination, { method: 'POST', bucket, key, query: { uploadId }, signal }, xml);
    const completeError = embeddedError(res.statusCode ?? 200, body);
    if (completeError) throw completeError;
    return true;
  } catch (err) {
    await abortMultipartUpload(http, req, uploadId, options.onCleanupFailed);
    throw err;
  }
}

export const SINGLE_COPY_LIMIT = 5 * GiB;
