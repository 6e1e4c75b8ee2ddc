import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

/**
 * An independent S3 client for tests to seed and inspect buckets: the plain SDK,
 * not Ferry's own S3 layer, so a bug there cannot hide itself.
 */
export function testS3Client(endpoint: string, accessKey = 'S3RVER', secretKey = 'S3RVER'): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

export interface SeedObject {
  key: string;
  body: Buffer;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
}

export async function putObjects(client: S3Client, bucket: string, objects: SeedObject[], concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const o = objects[next++]!;
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: o.key,
          Body: o.body,
          ContentLength: o.body.length,
          ContentType: o.contentType,
          CacheControl: o.cacheControl,
          ContentDisposition: o.contentDisposition,
          ContentEncoding: o.contentEncoding,
          Metadata: o.metadata,
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export interface StoredObject {
  md5: string;
  size: number;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
}

export async function readObject(client: S3Client, bucket: string, key: string): Promise<StoredObject> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await out.Body!.transformToByteArray());
  return {
    md5: createHash('md5').update(bytes).digest('hex'),
    size: bytes.length,
    contentType: out.ContentType,
    cacheControl: out.CacheControl,
    contentDisposition: out.ContentDisposition,
    contentEncoding: out.ContentEncoding,
    metadata: out.Metadata ?? {},
  };
}

export async function headObject(client: S3Client, bucket: string, key: string) {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

export async function listKeys(client: S3Client, bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The multipart uploads in progress in a bucket (ListMultipartUploads, one page: tests leave few). */
export async function multipartUploads(client: S3Client, bucket: string): Promise<Array<{ key: string; uploadId: string }>> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId! }));
}

/** Fails naming what is left when a bucket still has a multipart upload in progress. */
export async function assertNoMultipartUploads(client: S3Client, bucket: string): Promise<void> {
  assert.deepEqual(await multipartUploads(client, bucket), [], `multipart uploads left in ${bucket}`);
}
