import { MAX_PARTS } from './partSize.js';

const MiB = 1024 * 1024;
/** S3's smallest part but the last, and its largest part. */
export const MIN_PART = 5 * MiB;
export const MAX_PART = 5 * 1024 * MiB;

/**
 * How a multipart object is cut: `count` parts of `partSize` bytes, the last one holding what is
 * left (at most `partSize`). Copied with the same layout, an object keeps its `md5-N` ETag.
 */
export interface PartLayout {
  partSize: number;
  count: number;
  /** Read from the source (`HEAD ?partNumber=1`), or inferred from its size and part count. */
  from: 'source' | 'inferred';
}

/** The part count a multipart ETag (`md5-N`, quotes allowed) names; undefined for any other ETag. */
export function multipartCount(etag: string): number | undefined {
  const m = /^"?[0-9a-fA-F]{32}-(\d{1,5})"?$/.exec(etag);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= MAX_PARTS ? n : undefined;
}

/** `count` parts of `partSize` and a last part of what is left, if that is a layout S3 accepts. */
export function uniformLayout(size: number, count: number, partSize: number, from: PartLayout['from']): PartLayout | undefined {
  if (!Number.isSafeInteger(size) || size <= 0 || !Number.isSafeInteger(partSize) || partSize <= 0) return undefined;
  if (count < 1 || count > MAX_PARTS || partSize > MAX_PART) return undefined;
  if (count > 1 && partSize < MIN_PART) return undefined;
  const last = size - (count - 1) * partSize;
  return last > 0 && last <= partSize ? { partSize, count, from } : undefined;
}

/** Part sizes copy tools use by default (AWS CLI and boto3, the SDKs and rclone, mc, s3cmd, ...), likeliest first. */
const COMMON_PART_SIZES = [8, 5, 16, 15, 64, 100, 128, 10, 32, 50, 256, 512].map((n) => n * MiB);

/**
 * For a source that cannot tell its part size: a whole-MiB part size that cuts `size` bytes into
 * exactly `count` parts (many parts leave one candidate; few parts may leave several). Preferred:
 * `preferred` (Ferry's own part size), then a size copy tools use by default, then the smallest.
 * A guess: a wrong one only loses the ETag's equality, as without it.
 */
export function inferLayout(size: number, count: number, preferred: number): PartLayout | undefined {
  if (count === 1) return uniformLayout(size, 1, size, 'inferred');
  const atLeast = Math.max(MIN_PART, Math.ceil(size / count));
  // The last part must not be empty: partSize < size / (count - 1).
  const fits = (partSize: number) => partSize % MiB === 0 && partSize >= atLeast && partSize * (count - 1) < size;
  const smallest = Math.ceil(atLeast / MiB) * MiB;
  const chosen = [preferred, ...COMMON_PART_SIZES, smallest].find(fits);
  return chosen === undefined ? undefined : uniformLayout(size, count, chosen, 'inferred');
}

/**
 * Parts of a kept layout a buffered multipart copy may have in flight without holding more than it
 * would with its own part size ((concurrency + 1) parts); undefined when even one part in flight
 * and one filling would exceed that, and the copy keeps its own layout.
 */
export function keptPartsInFlight(layoutPartSize: number, ownPartSize: number, concurrency: number): number | undefined {
  const n = Math.floor(((concurrency + 1) * ownPartSize) / layoutPartSize) - 1;
  return n >= 1 ? Math.min(concurrency, n) : undefined;
}
