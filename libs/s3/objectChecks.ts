import type { IncomingHttpHeaders } from 'node:http';
import { multipartCount } from './partLayout.js';
import { header, isPlainMd5, unquoteEtag } from './signedHttp.js';

/** S3's additional checksums as HEAD answers them with `x-amz-checksum-mode: ENABLED`. */
export const CHECKSUM_ALGORITHMS = ['crc64nvme', 'crc32c', 'crc32', 'sha256', 'sha1'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type Checksums = Partial<Record<ChecksumAlgorithm, string>>;

/** What a HEAD tells of one object, as far as a verification needs it. */
export interface ObjectFacts {
  size: number;
  /** Without quotes, lower case. */
  etag: string;
  checksums: Checksums;
  /** Server-side encryption whose ETag is not an MD5 of the content: `aws:kms`, `aws:kms:dsse` or `SSE-C`. */
  opaqueEtag?: string;
  /** Last-Modified as ISO 8601, where the answer gave one. */
  lastModified?: string;
  /** x-amz-version-id; absent from a bucket that never had versioning. */
  versionId?: string;
}

export function factsFromHead(headers: IncomingHttpHeaders): ObjectFacts {
  const checksums: Checksums = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = header(headers, `x-amz-checksum-${algorithm}`);
    if (value) checksums[algorithm] = value;
  }
  const sse = header(headers, 'x-amz-server-side-encryption');
  const customer = header(headers, 'x-amz-server-side-encryption-customer-algorithm');
  const opaqueEtag = customer ? 'SSE-C' : sse?.startsWith('aws:kms') ? sse : undefined;
  const modified = header(headers, 'last-modified');
  const versionId = header(headers, 'x-amz-version-id');
  return {
    size: Number(header(headers, 'content-length') ?? NaN),
    etag: normalEtag(header(headers, 'etag')),
    checksums,
    ...(opaqueEtag ? { opaqueEtag } : {}),
    ...(modified ? { lastModified: new Date(modified).toISOString() } : {}),
    ...(versionId ? { versionId } : {}),
  };
}

export const normalEtag = (etag: string | undefined): string => unquoteEtag(etag).toLowerCase();

/**
 * The outcome of one check: passed, or what differs. `comparable: false` when the two sides cannot be
 * compared this way at all (no checksum, an encrypted object's ETag): trying again would not help.
 */
export type CheckResult = { ok: true } | { ok: false; detail: string; comparable: boolean };

const PASSED: CheckResult = { ok: true };

export function checkSize(sourceSize: number, destinationSize: number): CheckResult {
  if (sourceSize === destinationSize) return PASSED;
  return { ok: false, detail: `size ${sourceSize} at the source, ${destinationSize} at the destination`, comparable: true };
}

/**
 * ETags compared as S3 gives them: equal for one single-part object's bytes (its MD5) and for a multipart
 * object in the same parts (`md5-N`). ETags of objects written in different parts (a plain MD5 against an
 * `md5-N`, or another part count), or an SSE-KMS or SSE-C ETag (no MD5 of the content), say nothing of
 * the bytes: that is reported as not comparable rather than called a difference or passed.
 */
export function checkEtag(sourceEtag: string, destination: Pick<ObjectFacts, 'etag' | 'opaqueEtag'>): CheckResult {
  const source = normalEtag(sourceEtag);
  const use = 'use verify: size or checksum';
  if (destination.opaqueEtag) {
    return { ok: false, detail: `ETags cannot be compared: the destination object is encrypted with ${destination.opaqueEtag}, whose ETag is not an MD5 of its content (${use})`, comparable: false };
  }
  if (source !== '' && source === destination.etag) return PASSED;
  const both = `${source || '(none)'} at the source, ${destination.etag || '(none)'} at the destination`;
  if (partsOf(source) !== partsOf(destination.etag)) {
    return { ok: false, detail: `ETags cannot be compared: ${both}, written in different parts (${use})`, comparable: false };
  }
  return { ok: false, detail: `ETag ${both}`, comparable: true };
}

/** 1 for a plain MD5 ETag, N for `md5-N`, 0 for anything else (compared as is). */
function partsOf(etag: string): number {
  return isPlainMd5(etag) ? 1 : (multipartCount(etag) ?? 0);
}

/**
 * The additional checksums of both sides compared in the first algorithm both have. Neither side having
 * one, or none in common, is not comparable. Kept apart so the copy path's own checksums plug in here.
 */
export function compareChecksums(source: Checksums, destination: Checksums): CheckResult {
  const common = CHECKSUM_ALGORITHMS.find((a) => source[a] !== undefined && destination[a] !== undefined);
  if (common) {
    if (source[common] === destination[common]) return PASSED;
    return { ok: false, detail: `${common} ${source[common]} at the source, ${destination[common]} at the destination`, comparable: true };
  }
  const names = (c: Checksums) => Object.keys(c).join(', ') || 'none';
  const none = Object.keys(source).length === 0 ? 'the source has no x-amz-checksum-*' : Object.keys(destination).length === 0 ? 'the destination has no x-amz-checksum-*' : 'no checksum algorithm in common';
  return { ok: false, detail: `checksums cannot be compared: ${none} (source: ${names(source)}; destination: ${names(destination)})`, comparable: false };
}
