import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import type { S3Endpoint } from './endpoint.js';
import { sendToBucket } from './sdkClient.js';
import { withRetry, type RetryOptions } from './retry.js';

/** S3's limit on keys per DeleteObjects request. */
export const MAX_DELETE_KEYS = 1000;

export interface DeleteRefusal {
  key: string;
  code: string;
  message: string;
}

/**
 * Deletes up to 1,000 keys in one DeleteObjects request (not quiet, so the answer lists what was
 * deleted), retried as a whole under `retry` (deleting a key that is already gone succeeds). Keys
 * the server refused are returned, not thrown.
 */
export async function deleteObjects(e: S3Endpoint, bucket: string, keys: string[], retry?: RetryOptions): Promise<{ deleted: string[]; refused: DeleteRefusal[] }> {
  if (keys.length === 0) return { deleted: [], refused: [] };
  if (keys.length > MAX_DELETE_KEYS) throw new RangeError(`DeleteObjects takes at most ${MAX_DELETE_KEYS} keys, got ${keys.length}`);
  const answer = await withRetry(
    () => sendToBucket(e, bucket, (client) => client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false } }))),
    retry ?? {},
  );
  const refused = (answer.Errors ?? []).map((err) => ({ key: err.Key ?? '', code: err.Code ?? 'Unknown', message: err.Message ?? '' }));
  const refusedKeys = new Set(refused.map((r) => r.key));
  // A server that lists nothing deleted (as a quiet answer would) deleted every key it did not refuse.
  const deleted = answer.Deleted ? answer.Deleted.map((d) => d.Key ?? '') : keys.filter((k) => !refusedKeys.has(k));
  return { deleted, refused };
}
