import { createHash } from 'node:crypto';
import { abortMultipartUpload } from './cleanup.js';
import type { CleanupFailureReporter, CopyRequest, CopyResult } from './copyTypes.js';
import { checksumMismatch, classifyS3Error, S3Error } from './s3Error.js';
import { embeddedError, readUploadId } from './responseDocuments.js';
import { header, isPlainMd5, unquoteEtag, type SignedHttp } from './signedHttp.js';
import type { SourceObject } from './sourceObject.js';
import { pump } from './streamCopy.js';
import { putTaggingXml } from './tagging.js';
import { UploadTakenOver, type UploadTracker } from './uploadRecord.js';

interface UploadedPart {
  number: number;
  etag: string;
}

export interface MultipartOptions {
  partSize: number;
  concurrency: number;
  onCleanupFailed?: CleanupFailureReporter;
  /** Where the upload and its finished parts are recorded, for another attempt to go on from. */
  tracker?: UploadTracker;
  /** Goes on with an upload an earlier attempt began: its id, and the parts the destination holds (by number, their ETags), not sent again. */
  resume?: { uploadId: string; done: ReadonlyMap<number, string> };
}

/**
 * The streamed GET cut into parts of `partSize` (the last one smaller) uploaded `concurrency` at a
 * time: memory stays under (concurrency + 1) x part size. With a tracker, the upload and each finished
 * part are recorded; a failure the tracker keeps leaves both for the next attempt, any other failure or
 * abort ends in AbortMultipartUpload, sent after the parts in flight have settled. A resumed copy reads
 * the source from its first unfinished part (src.offset) and sends only the parts the destination lacks.
 */
export async function multipartCopy(
  http: SignedHttp,
  req: CopyRequest,
  src: SourceObject,
  options: MultipartOptions,
): Promise<CopyResult> {
  const { destination, destinationBucket: bucket, key, signal } = req;
  const { partSize, tracker, resume } = options;
  let uploadId: string;
  if (resume) {
    uploadId = resume.uploadId;
  } else {
    try {
      const { body } = await http.call(destination, { method: 'POST', bucket, key, query: { uploads: '' }, headers: src.headers, signal });
      uploadId = readUploadId(body.toString('utf8'));
    } catch (err) {
      src.body.destroy();
      throw classifyS3Error(err);
    }
    try {
      await tracker?.begin({
        upload_id: uploadId,
        bucket,
        key,
        part_size: partSize,
        part_count: Math.max(1, Math.ceil(src.length / partSize)),
        source: { etag: src.etag, size: src.length, ...(src.lastModified ? { last_modified: src.lastModified } : {}) },
      });
    } catch (err) {
      src.body.destroy();
      await abortMultipartUpload(http, req, uploadId, options.onCleanupFailed);
      throw classifyS3Error(err);
    }
  }

  const done = resume?.done;
  const first = Math.floor(src.offset / partSize) + 1;
  const parts: UploadedPart[] = [];
  for (let n = 1; n < first; n++) parts.push({ number: n, etag: done?.get(n) ?? '' });
  const inFlight = new Set<Promise<void>>();
  let partFailure: unknown;
  const uploadPart = async (number: number, data: Buffer): Promise<void> => {
    const partMd5 = createHash('md5').update(data).digest();
    const { res } = await http.call(
      destination,
      {
        method: 'PUT',
        bucket,
        key,
        query: { partNumber: String(number), uploadId },
        headers: { 'content-md5': partMd5.toString('base64') },
        signal,
      },
      data,
    );
    const etag = unquoteEtag(header(res.headers, 'etag'));
    if (isPlainMd5(etag) && etag.toLowerCase() !== partMd5.toString('hex')) throw checksumMismatch(`part ${number}`);
    parts.push({ number, etag });
    tracker?.partDone({ part_number: number, etag });
  };
  const dispatch = async (number: number, data: Buffer): Promise<void> => {
    const held = done?.get(number);
    if (held !== undefined) {
      parts.push({ number, etag: held });
      return;
    }
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (partFailure) throw partFailure;
    if (tracker?.lost) throw new UploadTakenOver(key);
    const p: Promise<void> = uploadPart(number, data)
      .catch((err: unknown) => {
        partFailure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  // The whole object's MD5 can only be checked against a plain-MD5 ETag; a multipart source's (`md5-N`) says nothing of it,
  // and a resumed copy reads only part of the bytes (each part's Content-MD5 guards its write, and If-Match the version read).
  const md5 = isPlainMd5(src.etag) && src.offset === 0 ? createHash('md5') : undefined;
  try {
    let nextPart = first;
    let offset = src.offset;
    let buffer = Buffer.allocUnsafe(Math.min(partSize, src.length - offset));
    let fill = 0;
    await pump(src.body, req, md5, async (chunk) => {
      let at = 0;
      while (at < chunk.length) {
        if (offset + fill + chunk.length - at > src.length) throw new S3Error('InvalidResponse', 'source sent more bytes than its Content-Length', 0, true);
        const n = Math.min(buffer.length - fill, chunk.length - at);
        chunk.copy(buffer, fill, at, at + n);
        fill += n;
        at += n;
        if (fill === buffer.length) {
          await dispatch(nextPart++, buffer);
          offset += fill;
          fill = 0;
          buffer = Buffer.allocUnsafe(Math.min(partSize, src.length - offset));
        }
      }
      src.body.recycle?.(chunk);
    });
    if (offset !== src.length) throw new S3Error('NetworkError', 'source body ended early', 0, true);
    await Promise.all(inFlight);
    if (partFailure) throw partFailure;

    const digest = md5?.digest('hex');
    if (digest !== undefined && digest !== src.etag.toLowerCase()) throw checksumMismatch(`read ${digest}, source ${src.etag}`);
    // Still this copy's upload: another attempt that took it over finishes it instead.
    await tracker?.flush();
    parts.sort((a, b) => a.number - b.number);
    const xml =
      '<CompleteMultipartUpload>' +
      parts.map((p) => `<Part><PartNumber>${p.number}</PartNumber><ETag>"${p.etag}"</ETag></Part>`).join('') +
      '</CompleteMultipartUpload>';
    const { res, body } = await http.call(
      destination,
      { method: 'POST', bucket, key, query: { uploadId }, headers: { 'content-type': 'application/xml' }, signal },
      xml,
    );
    const failed = embeddedError(res.statusCode ?? 200, body);
    if (failed) throw failed;
  } catch (err) {
    src.body.destroy();
    await Promise.allSettled(inFlight);
    const failure = classifyS3Error(err);
    // Taken over: the upload is the new owner's now. Kept: the next attempt goes on with it.
    if (failure instanceof UploadTakenOver) throw failure;
    if (tracker?.keeps(failure)) {
      await tracker.flush().catch((flushErr: unknown) => {
        if (!(flushErr instanceof UploadTakenOver)) throw flushErr;
      });
      throw failure;
    }
    await abortMultipartUpload(http, req, uploadId, options.onCleanupFailed);
    await tracker?.end(failure.code);
    throw failure;
  }
  await tracker?.end();
  const tags = await src.tags();
  if (tags) await putTaggingXml(http, destination, bucket, key, tags, signal);
  return { bytes: src.length, method: 'multipart', sourceEtag: src.etag, md5Checked: md5 !== undefined };
}
