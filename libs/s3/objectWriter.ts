import { createHash, type Hash } from 'node:crypto';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { sendToBucket } from './sdkClient.js';
import type { S3Endpoint } from './endpoint.js';

/** S3's smallest part (but the last); 8 MiB parts keep a 1,000,000-row report in a dozen parts. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_WRITER_PART_SIZE = 8 * 1024 * 1024;

/**
 * Writes one object from text appended piece by piece, in bounded memory: one part buffer, uploaded
 * (with its Content-MD5) each time it fills, so the object may be any size while the writer holds
 * `partSize` bytes. An object that never fills a part is sent with one PutObject. The MD5 of the whole
 * object and its size are known at the end. Appends must be awaited one after the other.
 */
export class ObjectWriter {
  private readonly buffer: Buffer;
  private used = 0;
  private size = 0;
  private readonly md5: Hash = createHash('md5');
  private uploadId: string | undefined;
  private readonly parts: Array<{ PartNumber: number; ETag: string | undefined }> = [];

  constructor(
    private readonly endpoint: S3Endpoint,
    private readonly bucket: string,
    readonly key: string,
    private readonly options: { partSize?: number; contentType?: string; signal?: AbortSignal } = {},
  ) {
    const partSize = options.partSize ?? DEFAULT_WRITER_PART_SIZE;
    if (partSize < MIN_PART_SIZE) throw new RangeError(`part size ${partSize} is below S3's minimum of ${MIN_PART_SIZE}`);
    this.buffer = Buffer.allocUnsafe(partSize);
  }

  get bytes(): number {
    return this.size + this.used;
  }

  /** Appends text (UTF-8); resolves at once unless a part had to be uploaded first. */
  async write(text: string): Promise<void> {
    const length = Buffer.byteLength(text);
    if (length > this.buffer.length) throw new RangeError(`a piece of ${length} bytes is larger than a part`);
    if (this.used + length > this.buffer.length) await this.uploadPart();
    this.buffer.write(text, this.used);
    this.used += length;
  }

  /** Sends what is left and completes the object: its size and MD5 (hex). */
  async close(): Promise<{ size: number; md5: string }> {
    if (this.uploadId === undefined) {
      const body = this.buffer.subarray(0, this.used);
      this.md5.update(body);
      await sendToBucket(this.endpoint, this.bucket, (c) =>
        c.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: body, ContentMD5: md5Base64(body), ContentType: this.options.contentType }), { abortSignal: this.options.signal }),
      );
    } else {
      if (this.used > 0) await this.uploadPart();
      const uploadId = this.uploadId;
      await sendToBucket(this.endpoint, this.bucket, (c) =>
        c.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId, MultipartUpload: { Parts: this.parts } }), { abortSignal: this.options.signal }),
      );
    }
    this.size += this.used;
    this.used = 0;
    return { size: this.size, md5: this.md5.digest('hex') };
  }

  /** Gives up a multipart upload under way, so its parts stop taking space. */
  async abort(): Promise<void> {
    const uploadId = this.uploadId;
    if (uploadId === undefined) return;
    this.uploadId = undefined;
    await sendToBucket(this.endpoint, this.bucket, (c) => c.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId })));
  }

  private async uploadPart(): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await sendToBucket(this.endpoint, this.bucket, (c) =>
        c.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: this.options.contentType }), { abortSignal: this.options.signal }),
      );
      if (!created.UploadId) throw new Error(`CreateMultipartUpload of ${this.key} answered no UploadId`);
      this.uploadId = created.UploadId;
    }
    const body = this.buffer.subarray(0, this.used);
    this.md5.update(body);
    const PartNumber = this.parts.length + 1;
    const uploadId = this.uploadId;
    const answer = await sendToBucket(this.endpoint, this.bucket, (c) =>
      c.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId, PartNumber, Body: body, ContentMD5: md5Base64(body), ContentLength: body.length }), {
        abortSignal: this.options.signal,
      }),
    );
    this.parts.push({ PartNumber, ETag: answer.ETag });
    this.size += this.used;
    this.used = 0;
  }
}

const md5Base64 = (body: Uint8Array): string => createHash('md5').update(body).digest('base64');

/** Writes a small object whole (a manifest), with its Content-MD5. */
export async function putSmallObject(endpoint: S3Endpoint, bucket: string, key: string, body: string, contentType: string, signal?: AbortSignal): Promise<void> {
  const bytes = Buffer.from(body);
  await sendToBucket(endpoint, bucket, (c) => c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentMD5: md5Base64(bytes), ContentType: contentType }), { abortSignal: signal }));
}
