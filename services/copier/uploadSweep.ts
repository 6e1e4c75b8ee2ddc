import type { JobDefinition, JobView } from '../../libs/domain/index.js';
import { jobIdFromToken, uploadKeyParts, type JobEventStore, type ReadModel, type RecordedUpload, type UploadLog } from '../../libs/nats/index.js';
import { destinationAddressPolicy } from '../../libs/net/index.js';
import type { CopyEngine, S3Endpoint, UploadRecord } from '../../libs/s3/index.js';
import { destinationEndpoint, type SecretSealer } from '../../libs/secrets/index.js';
import type { Logger } from '../../libs/log/logger.js';
import type { UploadAbortReason } from '../../libs/observability/metrics.js';

export interface UploadSweepContext {
  uploads: UploadLog;
  engine: CopyEngine;
  log: Logger;
  onAborted: (reason: UploadAbortReason) => void;
}

/**
 * Aborts recorded uploads at `destination` and removes their records. A record whose upload cannot be
 * aborted now (the destination does not answer) stays for the next sweep. Answers how many were aborted.
 */
export async function abortRecorded(c: UploadSweepContext, found: RecordedUpload[], destination: S3Endpoint, jobId: string, reason: UploadAbortReason): Promise<number> {
  let aborted = 0;
  for (const { key, revision, record } of found) {
    const at = { job_id: jobId, run: uploadKeyParts(key)?.run, bucket: record.bucket, key: record.key, upload_id: record.upload_id, reason };
    try {
      await c.engine.abortUpload(destination, record.bucket, record.key, record.upload_id);
    } catch (err) {
      c.log.warn({ ...at, err: String(err) }, 'aborting a recorded multipart upload failed; a later sweep tries again');
      continue;
    }
    // Taken over meanwhile (the run went on after all): the new owner's copy meets the aborted upload and starts over.
    await c.uploads.remove(key, revision);
    c.onAborted(reason);
    aborted++;
    c.log.info({ ...at, parts: record.parts.length }, 'multipart upload aborted');
  }
  return aborted;
}

/** After a copier dropped a run (cancelled, failed, completed, deleted): the uploads its copies left, by this copier or a dead one, are aborted. */
export async function abortRunUploads(c: UploadSweepContext, jobId: string, run: number, destination: S3Endpoint): Promise<number> {
  return abortRecorded(c, await c.uploads.list(jobId, run), destination, jobId, 'run_ended');
}

export interface StartSweepContext extends UploadSweepContext {
  readModel: ReadModel;
  store: JobEventStore;
  source: S3Endpoint;
  sealer: SecretSealer;
  allowLinkLocal: boolean;
  staleUploadAgeMs: number;
  now?: () => number;
}

/**
 * At a copier's start: every recorded upload whose run is no longer served (it ended while no copier
 * was there to abort it) or that nobody has written for `staleUploadAgeMs` is aborted and its record
 * removed. Only uploads Ferry recorded are touched, never other multipart uploads in the bucket. A
 * record of a deleted job cannot reach its destination (the job's secret is gone): it is removed, and
 * its upload named in a warning.
 */
export async function sweepStaleUploads(c: StartSweepContext): Promise<number> {
  const now = c.now?.() ?? Date.now();
  const byJob = new Map<string, Array<{ upload: RecordedUpload; reason: UploadAbortReason }>>();
  for (const upload of await c.uploads.list()) {
    const parts = uploadKeyParts(upload.key);
    if (!parts) continue;
    const jobId = jobIdFromToken(parts.token);
    const reason = sweepVerdict(upload.record, parts.run, await c.readModel.get(jobId), now, c.staleUploadAgeMs);
    if (reason === undefined) continue;
    const list = byJob.get(jobId) ?? [];
    list.push({ upload, reason });
    byJob.set(jobId, list);
  }
  let aborted = 0;
  for (const [jobId, found] of byJob) {
    let destination: S3Endpoint | undefined;
    try {
      destination = await jobDestination(c, jobId);
    } catch (err) {
      c.log.warn({ job_id: jobId, uploads: found.length, err: String(err) }, "cannot reach a job's destination to abort its recorded uploads; a later sweep tries again");
      continue;
    }
    if (!destination) {
      for (const { upload } of found) {
        c.log.warn(
          { job_id: jobId, bucket: upload.record.bucket, key: upload.record.key, upload_id: upload.record.upload_id },
          'a deleted job left a multipart upload Ferry can no longer reach; abort it at the destination',
        );
        await c.uploads.remove(upload.key, upload.revision);
      }
      continue;
    }
    for (const reason of ['stale', 'run_ended'] as const) {
      const some = found.filter((f) => f.reason === reason).map((f) => f.upload);
      if (some.length > 0) aborted += await abortRecorded(c, some, destination, jobId, reason);
    }
  }
  return aborted;
}

/**
 * Why a start-up sweep aborts a recorded upload of `run`, given its job's view (undefined: the job is gone);
 * undefined when the upload stays (its run is served and it was written within `staleUploadAgeMs`).
 */
export function sweepVerdict(record: Pick<UploadRecord, 'updated_at'>, run: number, view: Pick<JobView, 'run' | 'status'> | undefined, now: number, staleUploadAgeMs: number): 'stale' | 'run_ended' | undefined {
  const served = view !== undefined && view.run === run && (view.status === 'running' || view.status === 'paused');
  if (!served) return 'run_ended';
  const written = Date.parse(record.updated_at);
  // A record whose time cannot be read is as good as stale: nothing says it is being written.
  return Number.isNaN(written) || now - written > staleUploadAgeMs ? 'stale' : undefined;
}

/** The job's destination as its copies reach it, or undefined for a job that is gone (deleted, its data key purged). */
async function jobDestination(c: StartSweepContext, jobId: string): Promise<S3Endpoint | undefined> {
  const { state } = await c.store.load(jobId);
  if (!state.definition) return undefined;
  return destinationEndpoint(state.definition as JobDefinition, c.source, c.sealer, destinationAddressPolicy(c.allowLinkLocal));
}
