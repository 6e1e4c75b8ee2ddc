import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { crc32, crc32c } from '@node-rs/crc32';

/** S3's additional checksum algorithms, as they appear in header names (`x-amz-checksum-<name>`). */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** How a multipart object's checksum covers it: the whole object's bytes, or the part checksums (`value-N`). */
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

/** An object's checksum as a source reported it. */
export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64, without any `-N` suffix. */
  value: string;
  type: ChecksumType;
  /** The part count of a composite checksum (`value-N`). */
  parts?: number;
}

/** A running checksum over bytes fed in order. */
export interface ChecksumHasher {
  update(chunk: Buffer): void;
  /** Base64 of the big-endian digest, as S3's headers carry it. */
  digest(): Promise<string>;
}

/** The name S3 gives the algorithm in headers' values and XML elements (`CRC32C`, `SHA256`...). */
export function algorithmName(a: ChecksumAlgorithm): string {
  return a.toUpperCase();
}

/** CRCs can be combined across parts, so a multipart upload can carry the whole object's; SHAs cannot. */
export function supportsFullObject(a: ChecksumAlgorithm): boolean {
  return a === 'crc32' || a === 'crc32c' || a === 'crc64nvme';
}

/** CRC64NVME is full-object only (S3 refuses it as COMPOSITE). */
export function supportsComposite(a: ChecksumAlgorithm): boolean {
  return a !== 'crc64nvme';
}

/** The destination's checksum type for a multipart upload in this algorithm: full-object where the algorithm allows. */
export function multipartType(a: ChecksumAlgorithm): ChecksumType {
  return supportsFullObject(a) ? 'FULL_OBJECT' : 'COMPOSITE';
}

export const checksumHeader = (a: ChecksumAlgorithm): string => `x-amz-checksum-${a}`;

class Crc32Hasher implements ChecksumHasher {
  private state = 0;
  constructor(private readonly fn: typeof crc32) {}
  update(chunk: Buffer): void {
    this.state = this.fn(chunk, this.state);
  }
  digest(): Promise<string> {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(this.state >>> 0);
    return Promise.resolve(out.toString('base64'));
  }
}

class Crc64Hasher implements ChecksumHasher {
  private readonly crc = new Crc64NvmeJs();
  update(chunk: Buffer): void {
    this.crc.update(chunk);
  }
  async digest(): Promise<string> {
    return Buffer.from(await this.crc.digest()).toString('base64');
  }
}

class ShaHasher implements ChecksumHasher {
  private readonly hash;
  constructor(name: 'sha1' | 'sha256') {
    this.hash = createHash(name);
  }
  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }
  digest(): Promise<string> {
    return Promise.resolve(this.hash.digest('base64'));
  }
}

/** CRC32 and CRC32C natively (@node-rs/crc32, SIMD); CRC64NVME from the AWS SDK's JS; SHAs from OpenSSL. */
export function newHasher(a: ChecksumAlgorithm): ChecksumHasher {
  switch (a) {
    case 'crc32':
      return new Crc32Hasher(crc32);
    case 'crc32c':
      return new Crc32Hasher(crc32c);
    case 'crc64nvme':
      return new Crc64Hasher();
    case 'sha1':
    case 'sha256':
      return new ShaHasher(a);
    default: {
      const _exhaustive: never = a;
      throw new TypeError(`unknown checksum algorithm ${String(_exhaustive)}`);
    }
  }
}

/** The checksum of one buffer. */
export function checksumOf(a: ChecksumAlgorithm, data: Buffer): Promise<string> {
  const h = newHasher(a);
  h.update(data);
  return h.digest();
}

/** S3's composite checksum of parts: the checksum of their checksums' bytes, then `-N`. */
export async function compositeOf(a: ChecksumAlgorithm, partChecksums: readonly string[]): Promise<string> {
  const h = newHasher(a);
  for (const c of partChecksums) h.update(Buffer.from(c, 'base64'));
  return `${await h.digest()}-${partChecksums.length}`;
}

/**
 * The checksum an answer (GET or HEAD with `x-amz-checksum-mode: ENABLED`) reports, or undefined. An
 * answer naming several algorithms (S3 stores one) is read for the first in CHECKSUM_ALGORITHMS' order.
 */
export function reportedChecksum(headers: IncomingHttpHeaders): ObjectChecksum | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const raw = headers[checksumHeader(algorithm)];
    if (typeof raw !== 'string' || raw === '') continue;
    const composite = /^([A-Za-z0-9+/=]+)-(\d+)$/.exec(raw);
    const stated = headers['x-amz-checksum-type'];
    if (composite) return { algorithm, value: composite[1]!, type: 'COMPOSITE', parts: Number(composite[2]) };
    return { algorithm, value: raw, type: stated === 'COMPOSITE' ? 'COMPOSITE' : 'FULL_OBJECT' };
  }
  return undefined;
}

/** The header value of a checksum (`value` or `value-N`). */
export function checksumText(c: ObjectChecksum): string {
  return c.parts === undefined ? c.value : `${c.value}-${c.parts}`;
}
