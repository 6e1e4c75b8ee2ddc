import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { sendToBucket, type S3Endpoint } from '../s3/index.js';

/** One object's tags, as a plain record (one GetObjectTagging request). */
export async function fetchTags(endpoint: S3Endpoint, bucket: string, key: string, versionId?: string): Promise<Record<string, string>> {
  const out = await sendToBucket(endpoint, bucket, (client) => client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, ...(versionId === undefined ? {} : { VersionId: versionId }) })));
  return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}
