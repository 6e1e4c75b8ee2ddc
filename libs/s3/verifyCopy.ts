import type { VerifyMode } from '../domain/verifyMode.js';
import type { CopyRequest, CopyResult, VerifyReport } from './copyTypes.js';
import { headObject } from './headObject.js';
import { checkEtag, checkSize, compareChecksums, normalEtag, type CheckResult, type ObjectFacts } from './objectChecks.js';
import { multipartCount } from './partLayout.js';
import { classifyS3Error, S3Error } from './s3Error.js';
import { isPlainMd5, type SignedHttp } from './signedHttp.js';

export const VERIFICATION_FAILED = 'VerificationFailed';

/**
 * A copy whose destination object does not pass the job's check. Retryable when the two sides differ
 * (the copy is made again under the job's retry policy); not when they cannot be compared this way.
 */
export function verificationFailed(detail: string, retryable: boolean): S3Error {
  return new S3Error(VERIFICATION_FAILED, `destination object does not match the source: ${detail}`, 0, retryable);
}

/**
 * Checks the destination object a copy just wrote, as the job's `verify` asks:
 * - `size`: a HEAD of the destination; its Content-Length equals the bytes copied.
 * - `etag`: none when the write's own answer already carried the source's ETag (a streamed PUT to a
 *   server that answers with the MD5 it computed: that answer is the destination's word); else a HEAD,
 *   whose ETag must equal the source's. Where Ferry wrote a plain-MD5 source in parts of its own, the
 *   destination's `md5-N` cannot equal it: the copy's whole-object MD5 (checked against the source's
 *   ETag as the bytes streamed) stands for the ETag, and the HEAD checks the size. An SSE-KMS or SSE-C
 *   destination fails, not comparable (objectChecks.ts: checkEtag).
 * - `checksum`: a HEAD of each side with `x-amz-checksum-mode: ENABLED`; a checksum they share must be equal.
 */
export async function verifyCopy(http: SignedHttp, req: CopyRequest, result: CopyResult, mode: VerifyMode): Promise<VerifyReport> {
  const sourceEtag = result.sourceEtag ?? req.etag;
  if (mode === 'etag' && result.destinationEtag !== undefined && normalEtag(result.destinationEtag) === normalEtag(sourceEtag) && normalEtag(sourceEtag) !== '') {
    return { requests: 0 };
  }
  const destinationSide = { endpoint: req.destination, bucket: req.destinationBucket, key: req.key };
  const [destination, source] = await Promise.all([
    headObject(http, req, destinationSide, mode === 'checksum'),
    mode === 'checksum' ? headObject(http, req, { endpoint: req.source, bucket: req.sourceBucket, key: req.key }, true) : undefined,
  ]);
  const requests = mode === 'checksum' ? 2 : 1;
  if (!destination) throw verificationFailed('the destination object is not there after the copy', true);
  const check = checkOf(mode, result, sourceEtag, destination, source);
  if (!check.ok) throw verificationFailed(check.detail, check.comparable);
  return { requests };
}

function checkOf(mode: VerifyMode, result: CopyResult, sourceEtag: string, destination: ObjectFacts, source: ObjectFacts | undefined): CheckResult {
  switch (mode) {
    case 'size':
      return checkSize(result.bytes, destination.size);
    case 'etag': {
      const ownParts = result.md5Checked === true && isPlainMd5(normalEtag(sourceEtag)) && multipartCount(destination.etag) !== undefined && !destination.opaqueEtag;
      return ownParts ? checkSize(result.bytes, destination.size) : checkEtag(sourceEtag, destination);
    }
    case 'checksum':
      // The source vanished since it was copied: nothing to compare with.
      if (!source) return { ok: false, detail: 'the source object is gone, its checksum cannot be read', comparable: false };
      return compareChecksums(source.checksums, destination.checksums);
    default: {
      const exhaustive: never = mode;
      throw new Error(`unknown verify mode ${String(exhaustive)}`);
    }
  }
}
