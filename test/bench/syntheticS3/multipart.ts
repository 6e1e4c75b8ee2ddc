import { createHash, randomUUID } from 'node:crypto';
import { Checksummer, compositeOf, nameOf, type Algorithm, type ChecksumType, type StoredChecksum } from './checksums.js';

interface Part {
  size: number;
  md5: Buffer;
  /** The part's additional checksum, when the upload has an algorithm. */
  checksum?: string;
  /** The part's bytes, kept only for a FULL_OBJECT upload (whose checksum covers the whole object). */
  data?: Buffer[];
}

/** An upload's additional checksum, as CreateMultipartUpload named it. */
export interface UploadChecksum {
  algorithm: Algorithm;
  type: ChecksumType;
}

interface Upload {
  bucket: string;
  key: string;
  parts: Map<number, Part>;
  checksum?: UploadChecksum;
}

export class MultipartError extends Error {
  constructor(
    readonly code: 'NoSuchUpload' | 'InvalidPart' | 'InvalidPartOrder' | 'MalformedXML' | 'BadDigest' | 'InvalidRequest',
    message: string,
  ) {
    super(message);
  }
}

/** Multipart uploads in progress: only each part's size and MD5 are kept. */
export class MultipartUploads {
  private readonly uploads = new Map<string, Upload>();

  create(bucket: string, key: string, checksum?: UploadChecksum): string {
    const id = randomUUID();
    this.uploads.set(id, { bucket, key, parts: new Map(), ...(checksum ? { checksum } : {}) });
    return id;
  }

  /** The algorithm the upload's parts must carry, if any. */
  checksumOf(id: string, bucket: string, key: string): UploadChecksum | undefined {
    return this.get(id, bucket, key).checksum;
  }

  addPart(id: string, bucket: string, key: string, partNumber: number, part: Part): void {
    this.get(id, bucket, key).parts.set(partNumber, part);
  }

  /**
   * Checks the listed parts (ETags, and checksums where the upload has an algorithm) against the uploaded
   * ones, and a full-object checksum sent with the request against the object's; returns the S3-style
   * `md5-N` ETag and the object's checksum (full-object, or the composite `value-N`).
   */
  async complete(id: string, bucket: string, key: string, requestXml: string, sent?: string): Promise<{ size: number; etag: string; checksum?: StoredChecksum }> {
    const upload = this.get(id, bucket, key);
    const algorithm = upload.checksum?.algorithm;
    const element = algorithm && `Checksum${nameOf(algorithm)}`;
    const listed = [...requestXml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
      number: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]!)?.[1]),
      etag: /<ETag>\s*(?:"|&quot;)?([0-9a-fA-F]{32})(?:"|&quot;)?\s*<\/ETag>/.exec(m[1]!)?.[1]?.toLowerCase(),
      checksum: element ? new RegExp(`<${element}>\\s*([^<]*?)\\s*</${element}>`).exec(m[1]!)?.[1] : undefined,
    }));
    if (listed.length === 0) throw new MultipartError('MalformedXML', 'no parts listed');
    const combined = createHash('md5');
    let size = 0;
    let previous = 0;
    for (const { number, etag, checksum: listedChecksum } of listed) {
      if (!(number > previous)) throw new MultipartError('InvalidPartOrder', 'parts must be listed in ascending order');
      previous = number;
      const part = upload.parts.get(number);
      if (part === undefined || etag !== part.md5.toString('hex')) {
        throw new MultipartError('InvalidPart', `part ${number} was not uploaded or its ETag differs`);
      }
      if (algorithm && listedChecksum !== part.checksum) throw new MultipartError('InvalidPart', `part ${number}'s checksum differs from the one it was uploaded with`);
      combined.update(part.md5);
      size += part.size;
    }
    const checksum = upload.checksum && (await objectChecksum(upload.checksum, listed.map(({ number }) => upload.parts.get(number)!)));
    if (checksum && sent !== undefined && sent !== checksum.value) {
      throw new MultipartError('BadDigest', `The ${nameOf(checksum.algorithm)} you specified did not match the calculated checksum.`);
    }
    this.uploads.delete(id);
    return { size, etag: `${combined.digest('hex')}-${listed.length}`, ...(checksum ? { checksum } : {}) };
  }

  abort(id: string, bucket: string, key: string): void {
    this.get(id, bucket, key);
    this.uploads.delete(id);
  }

  private get(id: string, bucket: string, key: string): Upload {
    const upload = this.uploads.get(id);
    if (upload === undefined || upload.bucket !== bucket || upload.key !== key) {
      throw new MultipartError('NoSuchUpload', `upload ${id} does not exist`);
    }
    return upload;
  }
}

async function objectChecksum(c: UploadChecksum, parts: Part[]): Promise<StoredChecksum> {
  if (c.type === 'COMPOSITE') return { ...c, value: await compositeOf(c.algorithm, parts.map((p) => p.checksum!)) };
  const whole = new Checksummer(c.algorithm);
  for (const p of parts) for (const d of p.data ?? []) whole.update(d);
  return { ...c, value: await whole.digest() };
}
