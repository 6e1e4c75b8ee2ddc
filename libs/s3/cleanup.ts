import type { CleanupAction, CleanupFailureReporter, CopyRequest } from './copyTypes.js';
import { abortUpload } from './multipartUploads.js';
import { classifyS3Error } from './s3Error.js';
import type { SignedHttp } from './signedHttp.js';

/**
 * Runs one undo and reports its failure instead of throwing it: the copy that needed
 * it has already failed with the error that counts. What stays behind is bounded by a
 * retry (which overwrites the object) or by a bucket lifecycle rule (for parts).
 */
async function cleanUp(action: CleanupAction, req: CopyRequest, undo: () => Promise<unknown>, report: CleanupFailureReporter | undefined): Promise<void> {
  try {
    await undo();
  } catch (err) {
    report?.(action, req, classifyS3Error(err));
  }
}

/** AbortMultipartUpload (an upload already gone counts as aborted); not under the request's signal, since an aborted copy still has to clean up. */
export function abortMultipartUpload(http: SignedHttp, req: CopyRequest, uploadId: string, report: CleanupFailureReporter | undefined): Promise<void> {
  return cleanUp('abort_multipart_upload', req, () => abortUpload(http, req.destination, req.destinationBucket, req.key, uploadId), report);
}

/** Deletes an object whose bytes did not verify, so no reader takes it for a copy. */
export function deleteUnverifiedObject(http: SignedHttp, req: CopyRequest & { writtenVersionId?: string }, report: CleanupFailureReporter | undefined): Promise<void> {
  // A version written by `versions: all` is deleted by its id: a plain DELETE would put a delete marker on top.
  const query = req.writtenVersionId === undefined ? {} : { query: { versionId: req.writtenVersionId } };
  return cleanUp('delete_unverified_object', req, () => http.call(req.destination, { method: 'DELETE', bucket: req.destinationBucket, key: req.key, ...query }), report);
}
