import type { S3Endpoint } from './endpoint.js';
import type { S3Error } from './s3Error.js';
import type { VerifyMode } from '../domain/verifyMode.js';

/** How a copy was verified: the requests it took (0 when the copy's own answer proved it). */
export interface VerifyReport {
  requests: number;
}
import type { UploadTracker } from './uploadRecord.js';

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
  /** Awaited before sending each chunk of that many bytes (a shared rate limiter); rejects once the signal aborts. */
  throttle?: (bytes: number, signal?: AbortSignal) => Promise<void>;
  /** The rate `throttle` holds, in bytes per second: server-side copies size their requests from it. */
  rateBytesPerSecond?: number;
  /** Where a streamed multipart copy records its upload and parts, and finds an earlier attempt's to go on with. */
  upload?: UploadTracker;
  /** The job's checksum_algorithm: computed while streaming and sent for objects whose source has no checksum. */
  checksumAlgorithm?: JobChecksumAlgorithm;
  /** Copy this version of the source object (`versions: all`), not its current one: every source read names it. */
  sourceVersionId?: string;
}

/** What a job may ask Ferry to compute where the source has no checksum (`none` is leaving it unset). */
export type JobChecksumAlgorithm = 'crc32c' | 'sha256';

export interface CopyResult {
  bytes: number;
  method: 'server-side' | 'stream' | 'multipart';
  /** The source's ETag as the copy read it (else the listed one holds). */
  sourceEtag?: string;
  /** The destination's ETag as it answered the write, where it did (a PUT; not RGW's CompleteMultipartUpload). */
  destinationEtag?: string;
  /** The whole object's MD5, computed as it streamed, equalled the source's plain-MD5 ETag. */
  md5Checked?: boolean;
  /** The version id the destination gave the written object (x-amz-version-id), where it is versioned. */
  destinationVersionId?: string;
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
  /** Checks the destination object a copy just wrote (the job's `verify`); throws VerificationFailed. */
  verify(req: CopyRequest, result: CopyResult, mode: VerifyMode): Promise<VerifyReport>;
  /** AbortMultipartUpload of an upload a copy left (one already gone counts as aborted); throws S3Error otherwise. */
  abortUpload(destination: S3Endpoint, bucket: string, key: string, uploadId: string): Promise<void>;
  /** DeleteObject of the key without a version id: in a versioned destination, a new delete marker, whose version id it answers. */
  writeDeleteMarker(req: Pick<CopyRequest, 'destination' | 'destinationBucket' | 'key' | 'signal'>): Promise<{ destinationVersionId?: string }>;
  close(): void;
}

/** What a failed copy may leave at the destination and Ferry tries to undo. */
export type CleanupAction = 'abort_multipart_upload' | 'delete_unverified_object';

/** Told of an undo that failed; the copy's own error is still what its caller sees. */
export type CleanupFailureReporter = (action: CleanupAction, req: CopyRequest, err: S3Error) => void;
