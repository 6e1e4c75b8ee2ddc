import { abortMultipartUpload } from './cleanup.js';
import type { CleanupFailureReporter, CopyRequest, CopyResult } from './copyTypes.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from './checksums.js';
import type { ChecksumPlan } from './checksumPlan.js';
import { combinable } from './crcCombine.js';
import { multipartCopy, uploadChecksumType, type HeldPart } from './multipartCopy.js';
import { isNoSuchUpload, listUploadedParts } from './multipartUploads.js';
import { keptPartsInFlight, uniformLayout } from './partLayout.js';
import { atSource, classifyS3Error } from './s3Error.js';
import { openSource } from './sourceObject.js';
import type { UploadTracker } from './uploadRecord.js';

/**
 * Goes on with the multipart upload an earlier attempt recorded for this object, from its first part the
 * destination does not hold; undefined when there is none to go on with (nothing recorded, or a record
 * that cannot be used, whose upload is then aborted and its record removed), and the caller copies afresh.
 *
 * The destination's ListParts decides which parts are done, not the record alone: the record lags a part
 * that finished just before its copier died, and a part the destination lost (an upload expired by a
 * lifecycle rule) must be sent again. A part counts when its size is the layout's and, if recorded, its
 * ETag the recorded one. An endpoint without ListParts is trusted to hold the recorded parts. The source
 * is read from the first missing part with If-Match on the recorded ETag, and its ETag, size and
 * Last-Modified must be the recorded ones, or the upload is aborted and the copy starts over.
 *
 * An upload with an additional checksum goes on with the plan its record names (a ranged read answers no
 * whole-object checksum): a held part counts only with its checksum (recorded, or listed by ListParts), and
 * completing gets every part's; the whole object's CRC is combined from them (crcCombine.ts) and checked
 * against the source's. Only a source's full-object SHA, which no parts give back, makes the copy start over.
 */
export async function resumeMultipartCopy(
  http: Parameters<typeof multipartCopy>[0],
  req: CopyRequest,
  tracker: UploadTracker,
  options: { ownPartSize: number; concurrency: number; onCleanupFailed?: CleanupFailureReporter },
): Promise<CopyResult | undefined> {
  const record = await tracker.takeOver();
  if (!record) return undefined;
  const uploadId = record.upload_id;
  const restart = async (reason: string): Promise<undefined> => {
    tracker.restarted(uploadId, reason);
    await abortMultipartUpload(http, req, uploadId, options.onCleanupFailed);
    await tracker.end();
    return undefined;
  };
  if (record.bucket !== req.destinationBucket || record.key !== req.key) return await restart('the record names another object');
  if (!uniformLayout(record.source.size, record.part_count, record.part_size, 'source')) return await restart('the recorded layout is not one S3 accepts');
  let plan: ChecksumPlan | undefined;
  if (record.checksum_algorithm !== undefined) {
    const algorithm = CHECKSUM_ALGORITHMS.find((a) => a === record.checksum_algorithm);
    if (!algorithm || !record.checksum_type) return await restart(`the record does not say how its ${record.checksum_algorithm} checksum is completed`);
    plan = { algorithm, ...(record.source_checksum ? { source: record.source_checksum } : {}) };
    if (uploadChecksumType(plan) !== record.checksum_type) return await restart('the recorded checksum type is not the plan\'s');
    if (plan.source?.type === 'FULL_OBJECT' && !combinable(algorithm)) return await restart(`the source's full-object ${algorithm} can only be checked by reading the whole object`);
  }
  const algorithm: ChecksumAlgorithm | undefined = plan?.algorithm;

  let listed;
  try {
    listed = await listUploadedParts(http, req.destination, req.destinationBucket, req.key, uploadId, req.signal);
  } catch (err) {
    const e = classifyS3Error(err);
    if (!isNoSuchUpload(e.code, e.status)) throw e;
    tracker.restarted(uploadId, 'the destination no longer has the upload');
    await tracker.end();
    return undefined;
  }
  const sizeOf = (n: number) => (n < record.part_count ? record.part_size : record.source.size - (record.part_count - 1) * record.part_size);
  const recorded = new Map(record.parts.map((p) => [p.part_number, p]));
  // A part of an upload with a checksum is kept only with its value, which completing needs.
  const value = (p: { checksums?: Partial<Record<string, string>> } | undefined) => (algorithm === undefined ? undefined : p?.checksums?.[algorithm]);
  const held = (etag: string, checksum: string | undefined): HeldPart | undefined =>
    algorithm === undefined ? { etag } : checksum === undefined ? undefined : { etag, checksums: { [algorithm]: checksum } };
  const done = new Map<number, HeldPart>();
  if (listed) {
    for (const [n, part] of listed) {
      const mine = recorded.get(n);
      if (n < 1 || n > record.part_count || part.size !== sizeOf(n) || (mine !== undefined && mine.etag.toLowerCase() !== part.etag.toLowerCase())) continue;
      const checksum = value(mine) ?? value(part);
      if (mine && value(part) !== undefined && value(mine) !== value(part)) continue;
      const keep = held(part.etag, checksum);
      if (keep) done.set(n, keep);
    }
  } else {
    for (const [n, part] of recorded) {
      const keep = held(part.etag, value(part));
      if (keep) done.set(n, keep);
    }
  }
  let first = 1;
  while (done.has(first)) first++;
  // Every part is there: the last one is read and sent again, since finishing takes the source's answer (its tags).
  if (first > record.part_count) done.delete((first = record.part_count));

  let src;
  try {
    src = await openSource(http, req, { offset: (first - 1) * record.part_size, etag: record.source.etag });
  } catch (err) {
    const e = classifyS3Error(err);
    if (e.status === 412) return await restart('the source object changed');
    throw atSource(e);
  }
  const modified = record.source.last_modified !== undefined && src.lastModified !== undefined && record.source.last_modified !== src.lastModified;
  if (src.etag.toLowerCase() !== record.source.etag.toLowerCase() || src.length !== record.source.size || modified) {
    src.body.destroy();
    return await restart('the source object changed');
  }
  for (const [n, part] of done) if (!recorded.has(n)) tracker.partDone({ part_number: n, ...part });
  tracker.resumed({ uploadId, kept: done.size, total: record.part_count });
  const concurrency = keptPartsInFlight(record.part_size, options.ownPartSize, options.concurrency) ?? 1;
  return await multipartCopy(http, req, src, {
    partSize: record.part_size,
    concurrency,
    onCleanupFailed: options.onCleanupFailed,
    tracker,
    resume: { uploadId, done },
    ...(plan ? { checksum: plan } : {}),
  });
}
