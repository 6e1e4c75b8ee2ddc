import type { S3Endpoint } from './endpoint.js';
import { classifyS3Error } from './s3Error.js';
import { readListParts, type ListedPart } from './responseDocuments.js';
import type { SignedHttp } from './signedHttp.js';

/** An answer saying the upload is gone (completed, aborted, or expired by a lifecycle rule). */
export const isNoSuchUpload = (code: string, status: number): boolean => code === 'NoSuchUpload' || (status === 404 && code !== 'NoSuchBucket');

/**
 * The parts the destination holds for an upload (ListParts, page by page), by part number; undefined when
 * the endpoint does not implement ListParts. Throws NoSuchUpload (404) for an upload that is gone.
 */
export async function listUploadedParts(
  http: SignedHttp,
  destination: S3Endpoint,
  bucket: string,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<Map<number, ListedPart> | undefined> {
  const parts = new Map<number, ListedPart>();
  let marker: string | undefined;
  do {
    const query: Record<string, string> = { uploadId, ...(marker ? { 'part-number-marker': marker } : {}) };
    let body: Buffer;
    try {
      ({ body } = await http.call(destination, { method: 'GET', bucket, key, query, signal }));
    } catch (err) {
      const e = classifyS3Error(err);
      if (e.code === 'NotImplemented' || e.status === 501 || e.status === 405) return undefined;
      throw e;
    }
    const page = readListParts(body.toString('utf8'));
    for (const part of page.parts) parts.set(part.number, part);
    marker = page.nextMarker;
  } while (marker);
  return parts;
}

/** AbortMultipartUpload; an upload already gone counts as aborted. Not under any copy's signal. */
export async function abortUpload(http: SignedHttp, destination: S3Endpoint, bucket: string, key: string, uploadId: string): Promise<void> {
  try {
    await http.call(destination, { method: 'DELETE', bucket, key, query: { uploadId } });
  } catch (err) {
    const e = classifyS3Error(err);
    if (!isNoSuchUpload(e.code, e.status)) throw e;
  }
}
