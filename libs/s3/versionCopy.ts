import type { CopyRequest, CopyResult } from './copyTypes.js';
import { embeddedError } from './responseDocuments.js';
import { header, type SignedHttp } from './signedHttp.js';
import { copySource } from './uri.js';

/**
 * What `versions: all` writes besides the copy engine's usual paths: a server-side copy of one source
 * version (CopyObject with `?versionId=` on the copy source) and a delete marker. Each answers the
 * version id the destination gave what it wrote (x-amz-version-id), which the run's outcome records.
 */
export async function copyVersionServerSide(http: SignedHttp, req: CopyRequest & { sourceVersionId: string }): Promise<CopyResult> {
  await req.throttle?.(req.size, req.signal);
  const { res, body } = await http.call(req.destination, {
    method: 'PUT',
    bucket: req.destinationBucket,
    key: req.key,
    signal: req.signal,
    headers: {
      'x-amz-copy-source': `${copySource(req.sourceBucket, req.key, 'rfc3986')}?versionId=${encodeURIComponent(req.sourceVersionId)}`,
      'x-amz-metadata-directive': 'COPY',
    },
  });
  const failed = embeddedError(res.statusCode ?? 200, body);
  if (failed) throw failed;
  const versionId = header(res.headers, 'x-amz-version-id');
  return { bytes: req.size, method: 'server-side', ...(versionId ? { destinationVersionId: versionId } : {}) };
}

/** DeleteObject without a version id: a versioned bucket keeps every version and puts a delete marker on top. */
export async function writeDeleteMarker(http: SignedHttp, req: Pick<CopyRequest, 'destination' | 'destinationBucket' | 'key' | 'signal'>): Promise<{ destinationVersionId?: string }> {
  const { res, body } = await http.call(req.destination, { method: 'DELETE', bucket: req.destinationBucket, key: req.key, signal: req.signal });
  const failed = embeddedError(res.statusCode ?? 204, body);
  if (failed) throw failed;
  const versionId = header(res.headers, 'x-amz-version-id');
  return versionId ? { destinationVersionId: versionId } : {};
}
