import { createHash, randomUUID } from 'node:crypto';

interface Part {
  size: number;
  md5: Buffer;
}

interface Upload {
  bucket: string;
  key: string;
  parts: Map<number, Part>;
}

export class MultipartError extends Error {
  constructor(
    readonly code: 'NoSuchUpload' | 'InvalidPart' | 'InvalidPartOrder' | 'MalformedXML',
    message: string,
  ) {
    super(message);
  }
}

/** Multipart uploads in progress: only each part's size and MD5 are kept. */
export class MultipartUploads {
  private readonly uploads = new Map<string, Upload>();

  create(bucket: string, key: string): string {
    const id = randomUUID();
    this.uploads.set(id, { bucket, key, parts: new Map() });
    return id;
  }

  addPart(id: string, bucket: string, key: string, partNumber: number, size: number, md5: Buffer): void {
    this.get(id, bucket, key).parts.set(partNumber, { size, md5 });
  }

  /** Checks the listed parts against the uploaded ones and returns the S3-style `md5-N` ETag. */
  complete(id: string, bucket: string, key: string, requestXml: string): { size: number; etag: string } {
    const upload = this.get(id, bucket, key);
    const listed = [...requestXml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
      number: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]!)?.[1]),
      etag: /<ETag>\s*(?:"|&quot;)?([0-9a-fA-F]{32})(?:"|&quot;)?\s*<\/ETag>/.exec(m[1]!)?.[1]?.toLowerCase(),
    }));
    if (listed.length === 0) throw new MultipartError('MalformedXML', 'no parts listed');
    const combined = createHash('md5');
    let size = 0;
    let previous = 0;
    for (const { number, etag } of listed) {
      if (!(number > previous)) throw new MultipartError('InvalidPartOrder', 'parts must be listed in ascending order');
      previous = number;
      const part = upload.parts.get(number);
      if (part === undefined || etag !== part.md5.toString('hex')) {
        throw new MultipartError('InvalidPart', `part ${number} was not uploaded or its ETag differs`);
      }
      combined.update(part.md5);
      size += part.size;
    }
    this.uploads.delete(id);
    return { size, etag: `${combined.digest('hex')}-${listed.length}` };
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
