import { abortMultipartUpload } from './cleanup.js';
import type { CleanupFailureReporter, CopyRequest, CopyResult } from './copyTypes.js';
import { multipartCopy } from './multipartCopy.js';
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
  // Completing it would need every kept part's checksum and the whole object's, which a resumed read of the rest cannot give.
  if (record.checksum_algorithm !== undefined) return await restart(`the upload carries ${record.checksum_algorithm} checksums, which a resumed copy cannot complete`);

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
  const recorded = new Map(record.parts.map((p) => [p.part_number, p.etag.toLowerCase()]));
  const done = new Map<number, string>();
  if (listed) {
    for (const [n, part] of listed) {
      const etag = recorded.get(n);
      if (n >= 1 && n <= record.part_count && part.size === sizeOf(n) && (etag === undefined || etag === part.etag.toLowerCase())) done.set(n, part.etag);
    }
  } else {
    for (const [n, etag] of recorded) done.set(n, etag);
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
  for (const [n, etag] of done) if (!recorded.has(n)) tracker.partDone({ part_number: n, etag });
  tracker.resumed({ uploadId, kept: done.size, total: record.part_count });
  const concurrency = keptPartsInFlight(record.part_size, options.ownPartSize, options.concurrency) ?? 1;
  return await multipartCopy(http, req, src, { partSize: record.part_size, concurrency, onCleanupFailed: options.onCleanupFailed, tracker, resume: { uploadId, done } });
}
