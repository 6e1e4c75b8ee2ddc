import type { CopyEngine, CopyEngineOptions, CopyRequest, CopyResult } from './copyTypes.js';
import { endpointIdentity } from './endpoint.js';
import { multipartCopy } from './multipartCopy.js';
import { abortUpload } from './multipartUploads.js';
import { keptPartsInFlight, multipartCount } from './partLayout.js';
import { choosePartSize } from './partSize.js';
import { atSource, classifyS3Error, S3Error } from './s3Error.js';
import { SINGLE_COPY_LIMIT, serverSideCopy } from './serverSideCopy.js';
import { RegionCorrected, SignedHttp, unquoteEtag } from './signedHttp.js';
import { resumeMultipartCopy } from './resumeCopy.js';
import { learnSourceLayout } from './sourceLayout.js';
import { openSource } from './sourceObject.js';
import { streamCopy, UnverifiedCopy } from './streamCopy.js';
import { verifyCopy } from './verifyCopy.js';
import type { VerifyMode } from '../domain/verifyMode.js';
import { checksumPlan } from './checksumPlan.js';
import { copyVersionServerSide, writeDeleteMarker } from './versionCopy.js';

/**
 * Copies one object: server-side inside one cluster, otherwise a streamed
 * GET into a PUT, or into a multipart upload above the threshold or when the
 * source was uploaded in parts (then in the same parts, so its `md5-N` ETag is
 * kept). Errors come out as S3Error; retrying is the caller's decision (S3Error.retryable).
 */
export function createCopyEngine(options: CopyEngineOptions): CopyEngine {
  const http = new SignedHttp();
  const concurrency = options.partConcurrency ?? 4;
  const maxSingleCopySize = options.maxSingleCopySize ?? SINGLE_COPY_LIMIT;
  const { onCleanupFailed } = options;

  async function streamed(req: CopyRequest): Promise<CopyResult> {
    // Only an object that may be copied in parts can have an upload recorded (one KV read; none for the small ones):
    // above the threshold, uploaded in parts, or over one part with a checksum Ferry computes (below).
    const ownPartSize = choosePartSize(req.size, options.partSize);
    if (req.upload && (req.size > Math.min(options.multipartThreshold, ownPartSize) || multipartCount(req.etag) !== undefined)) {
      const resumed = await resumeMultipartCopy(http, req, req.upload, { ownPartSize, concurrency, onCleanupFailed });
      if (resumed) return resumed;
    }
    const tracker = req.upload;
    const layout = await learnSourceLayout(http, req, options.partSize).catch((err: unknown) => Promise.reject(atSource(err)));
    const src = await openSource(http, req).catch((err: unknown) => Promise.reject(atSource(err)));
    const partSize = choosePartSize(src.length, options.partSize);
    // The layout holds for the object listed; one replaced since is copied in Ferry's own parts.
    const unchanged = src.etag.toLowerCase() === unquoteEtag(req.etag).toLowerCase() && src.length === req.size;
    const inFlight = layout && unchanged ? keptPartsInFlight(layout.partSize, partSize, concurrency) : undefined;
    if (layout && inFlight !== undefined) {
      const checksum = checksumPlan(src.checksum, req.checksumAlgorithm, true);
      return await multipartCopy(http, req, src, { partSize: layout.partSize, concurrency: inFlight, onCleanupFailed, tracker, checksum });
    }
    const checksum = checksumPlan(src.checksum, req.checksumAlgorithm, false);
    // A checksum Ferry computes goes before the body it covers: only bodies up to a part are held whole
    // for it, larger ones go in parts (aws-chunked trailers would not need that, but Ceph RGW 16 refuses them).
    if (src.length > options.multipartThreshold || (checksum && !checksum.source && src.length > partSize)) {
      return await multipartCopy(http, req, src, { partSize, concurrency, onCleanupFailed, tracker, checksum });
    }
    return await streamCopy(http, req, src, onCleanupFailed, checksum);
  }

  async function copy(req: CopyRequest): Promise<CopyResult> {
    try {
      req.signal?.throwIfAborted();
      if (req.sourceVersionId !== undefined) return await copyVersion({ ...req, sourceVersionId: req.sourceVersionId });
      if (endpointIdentity(req.source) === endpointIdentity(req.destination)) {
        const done = await serverSideCopy(http, req, { maxSingleCopySize, partSize: options.partSize, concurrency, onCleanupFailed });
        if (done) return done;
      }
      try {
        return await streamed(req);
      } catch (err) {
        // Copied without hashing into a bucket whose answer no longer vouches for the bytes: again, hashing.
        // Or streamed to a bucket in another region than configured, which is now known: again, signed for it.
        if (!(err instanceof UnverifiedCopy) && !(err instanceof RegionCorrected)) throw err;
        return await streamed(req);
      }
    } catch (err) {
      // Whatever broke first (a destroyed socket, a cut stream), the cause was the abort.
      if (req.signal?.aborted) throw new S3Error('Aborted', 'copy aborted', 0, true, { cause: err });
      throw classifyS3Error(err);
    }
  }

  /**
   * One source version (`versions: all`): CopyObject of that version inside one cluster, else streamed
   * (a PUT, or a multipart upload in parts) from a GET of it. Never resumed from an upload record: the
   * record is per item, and a versions item holds several. A retried write leaves one more identical
   * version at the destination, which a re-run does not repeat once the outcome is recorded.
   */
  async function copyVersion(req: CopyRequest & { sourceVersionId: string }): Promise<CopyResult> {
    const unrecorded = { ...req, upload: undefined };
    if (endpointIdentity(req.source) === endpointIdentity(req.destination) && req.size <= Math.min(maxSingleCopySize, SINGLE_COPY_LIMIT)) {
      return await copyVersionServerSide(http, unrecorded);
    }
    try {
      return await streamed(unrecorded);
    } catch (err) {
      if (!(err instanceof UnverifiedCopy) && !(err instanceof RegionCorrected)) throw err;
      return await streamed(unrecorded);
    }
  }

  async function verify(req: CopyRequest, result: CopyResult, mode: VerifyMode) {
    try {
      return await verifyCopy(http, req, result, mode);
    } catch (err) {
      if (req.signal?.aborted) throw new S3Error('Aborted', 'verification aborted', 0, true, { cause: err });
      throw classifyS3Error(err);
    }
  }

  return {
    copy,
    verify,
    abortUpload: (destination, bucket, key, uploadId) => abortUpload(http, destination, bucket, key, uploadId),
    writeDeleteMarker: async (req) => {
      try {
        return await writeDeleteMarker(http, req);
      } catch (err) {
        if (req.signal?.aborted) throw new S3Error('Aborted', 'delete marker aborted', 0, true, { cause: err });
        throw classifyS3Error(err);
      }
    },
    close: () => http.close(),
  };
}
