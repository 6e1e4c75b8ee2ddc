import type { CopyRequest } from './copyTypes.js';
import { endpointIdentity } from './endpoint.js';
import { inferLayout, multipartCount, uniformLayout, type PartLayout } from './partLayout.js';
import { classifyS3Error, S3Error } from './s3Error.js';
import { header, unquoteEtag, type SignedHttp } from './signedHttp.js';

/**
 * Source endpoints that answer `HEAD ?partNumber=1` with the whole object and no
 * x-amz-mp-parts-count (Ceph RGW 16, s3rver): asked once, their layouts are inferred after.
 */
const ignoresPartNumber = new Set<string>();

/**
 * How the source object was cut into parts, when its ETag says it was uploaded in parts
 * (`md5-N`), else undefined without any request. One `HEAD ?partNumber=1` tells the first part's
 * size and the part count (S3, MinIO, newer RGW); the layout is then taken to be that part size
 * repeated with a smaller last part, as every multipart uploader cuts it. GetObjectAttributes
 * would list every part, but a server that does not know it (RGW 16) answers it as a plain GET
 * of the whole object. An endpoint that ignores partNumber is remembered, and a layout inferred
 * from the size and part count (partLayout.ts: inferLayout).
 */
export async function learnSourceLayout(http: SignedHttp, req: CopyRequest, preferredPartSize: number): Promise<PartLayout | undefined> {
  const count = multipartCount(req.etag);
  if (count === undefined) return undefined;
  if (count === 1) return uniformLayout(req.size, 1, req.size, 'source');
  const id = endpointIdentity(req.source);
  if (ignoresPartNumber.has(id)) return inferLayout(req.size, count, preferredPartSize);

  let headers;
  try {
    ({ res: { headers } } = await http.call(req.source, { method: 'HEAD', bucket: req.sourceBucket, key: req.key, query: { partNumber: '1', ...(req.sourceVersionId === undefined ? {} : { versionId: req.sourceVersionId }) }, signal: req.signal }));
  } catch (err) {
    const e = classifyS3Error(err);
    if (e.status === 404) throw new S3Error('NoSuchKey', 'The specified key does not exist.', 404, false, { cause: e });
    // Refused for the part number itself (400, 416, 501): copied as if the layout were unknown.
    if (e.status === 400 || e.status === 416 || e.status === 501) return undefined;
    throw e;
  }
  // Changed since it was listed: whatever the GET reads is copied with Ferry's own layout.
  if (unquoteEtag(header(headers, 'etag')).toLowerCase() !== unquoteEtag(req.etag).toLowerCase()) return undefined;
  const length = Number(header(headers, 'content-length'));
  const partsCount = header(headers, 'x-amz-mp-parts-count');
  if (partsCount !== undefined) return Number(partsCount) === count ? uniformLayout(req.size, count, length, 'source') : undefined;
  if (length !== req.size) return undefined;
  ignoresPartNumber.add(id);
  return inferLayout(req.size, count, preferredPartSize);
}
