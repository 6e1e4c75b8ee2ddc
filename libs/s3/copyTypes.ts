import type { S3Endpoint } from './endpoint.js';
import type { S3Error } from './s3Error.js';

export interface CopyRequest {
  source: S3Endpoint;
  sourceBucket: string;
  destination: S3Endpoint;
  destinationBucket: string;
  key: string;
  size: number;
  etag: string;
  /** Abort => stop promptly, and abort any multipart upload. */
  signal?: AbortSignal;
  /** Called with the number of bytes just moved, as they flow (the caller heartbeats on it). */
  onProgress?: (bytes: number) => void;
  /** Awaited before sending each chunk of that many bytes (a shared rate limiter). */
  throttle?: (bytes: number) => Promise<void>;
  /** The rate `throttle` holds, in bytes per second: server-side copies size their requests from it. */
  rateBytesPerSecond?: number;
  /** The job's checksum_algorithm: computed while streaming and sent for objects whose source has no checksum. */
  checksumAlgorithm?: JobChecksumAlgorithm;
}

/** What a job may ask Ferry to compute where the source has no checksum (`none` is leaving it unset). */
export type JobChecksumAlgorithm = 'crc32c' | 'sha256';

export interface CopyResult {
  bytes: number;
  method: 'server-side' | 'stream' | 'multipart';
}

export interface CopyEngineOptions {
  multipartThreshold: number;
  partSize: number;
  /** Parts in flight per multipart copy (default 4). */
  partConcurrency?: number;
  /** Largest object a single CopyObject may copy; bigger ones use UploadPartCopy (default 5 GiB, S3's limit). */
  maxSingleCopySize?: number;
  /** Told when undoing what a failed copy left (a multipart upload, an unverified object) fails too. */
  onCleanupFailed?: CleanupFailureReporter;
}

export interface CopyEngine {
  copy(req: CopyRequest): Promise<CopyResult>;
  close(): void;
}

/** What a failed copy may leave at the destination and Ferry tries to undo. */
export type CleanupAction = 'abort_multipart_upload' | 'delete_unverified_object';

/** Told of an undo that failed; the copy's own error is still what its caller sees. */
export type CleanupFailureReporter = (action: CleanupAction, req: CopyRequest, err: S3Error) => void;
