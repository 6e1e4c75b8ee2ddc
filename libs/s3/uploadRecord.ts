import type { ChecksumType, ObjectChecksum } from './checksums.js';
import { S3Error } from './s3Error.js';

/** A part the destination acknowledged. `checksums`: any per-part checksums by algorithm (e.g. `crc32c`). */
export interface RecordedPart {
  part_number: number;
  /** Without quotes. */
  etag: string;
  checksums?: Record<string, string>;
}

/**
 * What a multipart copy in progress records, so another attempt (in this copier or another) can go on
 * from its next unfinished part, and so an upload left behind can be found and aborted.
 */
export interface UploadRecord {
  upload_id: string;
  bucket: string;
  key: string;
  /** The layout: `part_count` parts of `part_size` bytes, the last one holding what is left. */
  part_size: number;
  part_count: number;
  /** The source object the parts were read from: a resume reads the same one or starts over. */
  source: { etag: string; size: number; last_modified?: string };
  parts: RecordedPart[];
  /** The additional checksum the upload was created with (x-amz-checksum-algorithm); each recorded part then holds its value. */
  checksum_algorithm?: string;
  /** How that checksum covers the object (x-amz-checksum-type); a record with an algorithm and no type (an older Ferry's) is not resumed. */
  checksum_type?: ChecksumType;
  /** The source's own checksum of the object, when it reported one: what completing sends (full-object) or checks against. */
  source_checksum?: ObjectChecksum;
  /** Which copy attempt owns the record; a takeover changes it, and the old owner's next update fails. */
  owner: string;
  created_at: string;
  updated_at: string;
}

/** The fields a copy gives when it begins an upload. */
export type NewUpload = Omit<UploadRecord, 'parts' | 'owner' | 'created_at' | 'updated_at'>;

/** How a resumed copy went on: `kept` parts of `total` were not sent again. */
export interface ResumeNote {
  uploadId: string;
  kept: number;
  total: number;
}

/**
 * One object's upload record as a copy sees it (the copier keeps them in NATS KV, libs/nats/uploadLog.ts).
 * Every write is checked against the revision this copy last wrote, so two copies can never both own it.
 */
export interface UploadTracker {
  /** The record an earlier attempt left, taken over by this copy; undefined when there is none. Throws UploadTakenOver on a lost race. */
  takeOver(): Promise<UploadRecord | undefined>;
  /** Records a new upload. Throws UploadTakenOver when another copy recorded this object first. */
  begin(upload: NewUpload): Promise<void>;
  /** Notes a finished part; written with the next update (one update in flight at a time carries every part finished meanwhile). */
  partDone(part: RecordedPart): void;
  /** Another copy took the record over: this one must stop, neither aborting nor completing the upload. */
  readonly lost: boolean;
  /** Waits until the parts noted so far are written; throws UploadTakenOver when the record was taken over. */
  flush(): Promise<void>;
  /** The upload was completed or aborted (`abortedFor`: the copy's error code): its record goes (unless another copy owns it now). Never throws. */
  end(abortedFor?: string): Promise<void>;
  /** Whether a copy failing with this error keeps its upload and record for a later attempt; otherwise it aborts the upload. */
  keeps(err: S3Error): boolean;
  /** Told when a copy goes on with an earlier attempt's upload. */
  resumed(note: ResumeNote): void;
  /** Told when a recorded upload could not be used and was aborted (the copy starts over). */
  restarted(uploadId: string, reason: string): void;
}

/** The copy's upload record is owned by another copy now (its work item was given to another copier). */
export class UploadTakenOver extends S3Error {
  static readonly CODE = 'UploadTakenOver';
  constructor(key: string, options?: { cause?: unknown }) {
    super(UploadTakenOver.CODE, `another copy took over the multipart upload of ${key}`, 0, true, options);
  }
}
