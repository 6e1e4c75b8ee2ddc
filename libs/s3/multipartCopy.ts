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
import { algorithmName, checksumHeader, checksumOf, compositeOf, multipartType, newHasher, type ChecksumAlgorithm, type ChecksumType } from './checksums.js';
import type { ChecksumPlan } from './checksumPlan.js';
import { combinable, combineCrcs } from './crcCombine.js';

/** A part as the destination took it: its ETag and, where the upload carries one, its additional checksum. */
export interface UploadedPart {
  number: number;
  etag: string;
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface MultipartOptions {
  partSize: number;
  concurrency: number;
  onCleanupFailed?: CleanupFailureReporter;
  /** Where the upload and its finished parts are recorded, for another attempt to go on from. */
  tracker?: UploadTracker;
  /** Goes on with an upload an earlier attempt began: its id, and the parts the destination holds (by number, with their ETags and checksums), not sent again. */
  resume?: { uploadId: string; done: ReadonlyMap<number, HeldPart> };
  /** The additional checksum the upload carries (checksumPlan.ts); a resumed copy's is the one its record names. */
  checksum?: ChecksumPlan;
}

/** A part an earlier attempt finished: its ETag and, for an upload with a checksum, its value. */
export interface HeldPart {
  etag: string;
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
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
  const { partSize, tracker, resume, checksum: plan } = options;
  const type = plan && uploadChecksumType(plan);
  let uploadId: string;
  if (resume) {
    uploadId = resume.uploadId;
  } else {
    try {
      const headers = plan && type ? { ...src.headers, ...checksumUploadHeaders(plan.algorithm, type) } : src.headers;
      const { body } = await http.call(destination, { method: 'POST', bucket, key, query: { uploads: '' }, headers, signal });
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
        ...(plan && type ? { checksum_algorithm: plan.algorithm, checksum_type: type, ...(plan.source ? { source_checksum: plan.source } : {}) } : {}),
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
  const held = (number: number): UploadedPart => {
    const part = done?.get(number);
    return { number, etag: part?.etag ?? '', ...(part?.checksums ? { checksums: part.checksums } : {}) };
  };
  for (let n = 1; n < first; n++) parts.push(held(n));
  const inFlight = new Set<Promise<void>>();
  let partFailure: unknown;
  const uploadPart = async (number: number, data: Buffer): Promise<void> => {
    const partMd5 = createHash('md5').update(data).digest();
    const headers: Record<string, string> = { 'content-md5': partMd5.toString('base64') };
    const partChecksum = plan ? await checksumOf(plan.algorithm, data) : undefined;
    if (plan && partChecksum) headers[checksumHeader(plan.algorithm)] = partChecksum;
    const { res } = await http.call(destination, { method: 'PUT', bucket, key, query: { partNumber: String(number), uploadId }, headers, signal }, data);
    const etag = unquoteEtag(header(res.headers, 'etag'));
    if (isPlainMd5(etag) && etag.toLowerCase() !== partMd5.toString('hex')) throw checksumMismatch(`part ${number}`);
    const uploaded: UploadedPart = plan && partChecksum ? { number, etag, checksums: { [plan.algorithm]: partChecksum } } : { number, etag };
    parts.push(uploaded);
    tracker?.partDone({ part_number: number, etag, ...(uploaded.checksums ? { checksums: uploaded.checksums } : {}) });
  };
  const dispatch = async (number: number, data: Buffer): Promise<void> => {
    if (done?.has(number)) {
      parts.push(held(number));
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
  // The whole object's checksum: to compare with the source's where no MD5 covers the bytes, or for a
  // full-object upload whose value the source did not give.
  const sourceWhole = plan?.source?.type === 'FULL_OBJECT' ? plan.source.value : undefined;
  const whole = plan && !resume && ((sourceWhole !== undefined && !md5) || (type === 'FULL_OBJECT' && sourceWhole === undefined)) ? newHasher(plan.algorithm) : undefined;
  let destinationVersionId: string | undefined;
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
    }, whole);
    if (offset !== src.length) throw new S3Error('NetworkError', 'source body ended early', 0, true);
    await Promise.all(inFlight);
    if (partFailure) throw partFailure;

    const digest = md5?.digest('hex');
    if (digest !== undefined && digest !== src.etag.toLowerCase()) throw checksumMismatch(`read ${digest}, source ${src.etag}`);
    // Still this copy's upload: another attempt that took it over finishes it instead.
    await tracker?.flush();
    parts.sort((a, b) => a.number - b.number);
    const completeHeaders: Record<string, string> = { 'content-type': 'application/xml' };
    if (plan && type) {
      // A resumed copy holds parts it did not hash (or read) here: the whole object's CRC is combined from every part's
      // instead, which also checks the recorded values of the held parts against the source's.
      const read = whole ? await whole.digest() : resume && combinable(plan.algorithm) ? combinedChecksum(plan.algorithm, parts, partSize, src.length) : undefined;
      Object.assign(completeHeaders, await checkedObjectChecksum(plan, type, read, parts));
    }
    const { res, body } = await http.call(destination, { method: 'POST', bucket, key, query: { uploadId }, headers: completeHeaders, signal }, completeXml(parts));
    const failed = embeddedError(res.statusCode ?? 200, body);
    if (failed) throw failed;
    destinationVersionId = header(res.headers, 'x-amz-version-id');
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
  return { bytes: src.length, method: 'multipart', sourceEtag: src.etag, md5Checked: md5 !== undefined, ...(destinationVersionId ? { destinationVersionId } : {}) };
}

/** The whole object's CRC from its parts' (each `partSize` bytes, the last what is left); undefined when a part lacks one. */
function combinedChecksum(algorithm: ChecksumAlgorithm, parts: readonly UploadedPart[], partSize: number, size: number): string | undefined {
  const values = parts.map((p) => p.checksums?.[algorithm]);
  if (values.some((v) => v === undefined)) return undefined;
  return combineCrcs(algorithm, values.map((checksum, i) => ({ checksum: checksum!, length: Math.min(partSize, size - i * partSize) })));
}

/** The destination's checksum type: the source's composite only when copied in its parts (checksumPlan.ts), else the algorithm's own. */
export function uploadChecksumType(plan: ChecksumPlan): ChecksumType {
  return plan.source?.type === 'COMPOSITE' ? 'COMPOSITE' : multipartType(plan.algorithm);
}

/** CreateMultipartUpload's headers naming the upload's checksum (every part then carries its own). */
export function checksumUploadHeaders(algorithm: ChecksumAlgorithm, type: ChecksumType): Record<string, string> {
  return { 'x-amz-checksum-algorithm': algorithmName(algorithm), 'x-amz-checksum-type': type };
}

/**
 * The object's checksum checked against the source's (the whole object's as read, or the composite
 * of the parts), and the headers that hand a full-object one to CompleteMultipartUpload, whose
 * destination checks it against the parts it took.
 */
async function checkedObjectChecksum(plan: ChecksumPlan, type: ChecksumType, read: string | undefined, parts: readonly UploadedPart[]): Promise<Record<string, string>> {
  const { algorithm, source } = plan;
  if (source?.type === 'FULL_OBJECT' && read !== undefined && read !== source.value) throw checksumMismatch(`${algorithm}: read ${read}, source ${source.value}`);
  if (source?.type === 'COMPOSITE') {
    const composite = await compositeOf(algorithm, parts.map((p) => p.checksums?.[algorithm] ?? ''));
    const expected = `${source.value}-${source.parts}`;
    if (composite !== expected) throw checksumMismatch(`${algorithm}: parts ${composite}, source ${expected}`);
  }
  const value = source?.type === 'FULL_OBJECT' ? source.value : read;
  return type === 'FULL_OBJECT' && value ? { [checksumHeader(algorithm)]: value, 'x-amz-checksum-type': type } : {};
}

/** CompleteMultipartUpload's document: each part's number, ETag and additional checksum. */
export function completeXml(parts: readonly UploadedPart[]): string {
  const part = (p: UploadedPart) => {
    const sums = Object.entries(p.checksums ?? {}).map(([a, v]) => `<Checksum${algorithmName(a as ChecksumAlgorithm)}>${v}</Checksum${algorithmName(a as ChecksumAlgorithm)}>`);
    return `<Part><PartNumber>${p.number}</PartNumber><ETag>"${p.etag}"</ETag>${sums.join('')}</Part>`;
  };
  return `<CompleteMultipartUpload>${parts.map(part).join('')}</CompleteMultipartUpload>`;
}
