/**
 * S3's additional checksums as the synthetic endpoint computes and checks them: with the AWS SDK's own
 * implementations (and OpenSSL's SHAs), not Ferry's, so a wrong CRC in Ferry shows as a refused write.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Crc32, Crc32cJs, Crc64NvmeJs } from '@aws-sdk/checksums/crc';

export const ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface StoredChecksum {
  algorithm: Algorithm;
  type: ChecksumType;
  /** As S3 reports it: base64, with `-N` for a composite. */
  value: string;
}

interface Digest {
  update(data: Uint8Array): void;
  digest(): Promise<Uint8Array>;
}

function hasherOf(a: Algorithm): Digest {
  switch (a) {
    case 'crc32':
      return new Crc32();
    case 'crc32c':
      return new Crc32cJs();
    case 'crc64nvme':
      return new Crc64NvmeJs();
    case 'sha1':
    case 'sha256': {
      const h = createHash(a);
      return { update: (d) => void h.update(d), digest: () => Promise.resolve(h.digest()) };
    }
  }
}

/** Feeds pieces in order; digest() gives base64. */
export class Checksummer {
  private readonly h: Digest;
  constructor(readonly algorithm: Algorithm) {
    this.h = hasherOf(algorithm);
  }
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<string> {
    return Buffer.from(await this.h.digest()).toString('base64');
  }
}

export async function checksumOfPieces(a: Algorithm, pieces: Iterable<Uint8Array>): Promise<string> {
  const c = new Checksummer(a);
  for (const p of pieces) c.update(p);
  return c.digest();
}

export async function compositeOf(a: Algorithm, partValues: readonly string[]): Promise<string> {
  const c = new Checksummer(a);
  for (const v of partValues) c.update(Buffer.from(v, 'base64'));
  return `${await c.digest()}-${partValues.length}`;
}

export const headerOf = (a: Algorithm) => `x-amz-checksum-${a}`;
export const nameOf = (a: Algorithm) => a.toUpperCase();

export function algorithmNamed(name: string | undefined): Algorithm | undefined {
  const lower = name?.toLowerCase();
  return ALGORITHMS.find((a) => a === lower);
}

/** The one `x-amz-checksum-<algorithm>` header a write carries, if any. */
export function sentChecksum(headers: IncomingHttpHeaders): { algorithm: Algorithm; value: string } | undefined {
  for (const algorithm of ALGORITHMS) {
    const v = headers[headerOf(algorithm)];
    if (typeof v === 'string') return { algorithm, value: v };
  }
  return undefined;
}

export const wantsChecksum = (headers: IncomingHttpHeaders) => headers['x-amz-checksum-mode'] === 'ENABLED';

/** The headers a GET or HEAD answers a stored checksum with. */
export function checksumHeaders(c: StoredChecksum | undefined): Record<string, string> {
  return c ? { [headerOf(c.algorithm)]: c.value, 'x-amz-checksum-type': c.type } : {};
}
