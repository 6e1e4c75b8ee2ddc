import type { BucketSide } from '../domain/index.js';
import type { Logger } from '../log/logger.js';
import { bucketRegions, type S3Endpoint } from '../s3/index.js';
import type { JobCommandSink } from './workerCommands.js';

/**
 * Records in the job's events (through `store`: the job's log, or control for a copier) each of its buckets that a server placed in another region than
 * configured (known already, or found while the run is served), through the decider's
 * RecordBucketRegion, which keeps one event per job, side and bucket. Returns the function that stops it.
 */
export function recordBucketRegions(
  store: JobCommandSink,
  log: Logger,
  jobId: string,
  run: number,
  buckets: ReadonlyArray<{ side: BucketSide; endpoint: S3Endpoint; bucket: string }>,
): () => void {
  return bucketRegions.watch(
    buckets.map((b) => ({ endpoint: b.endpoint, bucket: b.bucket, label: b.side })),
    (side, c) => {
      const data = { job_id: jobId, run, side, bucket: c.bucket, configured_region: c.configured, region: c.region, reason: c.reason };
      store
        .execute(jobId, { type: 'RecordBucketRegion', data, metadata: { now: new Date().toISOString() } })
        .then(({ events }) => {
          if (events.length > 0) log.info({ job_id: jobId, run, side, bucket: c.bucket, configured_region: c.configured, region: c.region, reason: c.reason }, 'bucket region corrected');
        })
        .catch((err: unknown) => log.warn({ job_id: jobId, run, side, bucket: c.bucket, err: String(err) }, 'recording a bucket region correction failed'));
    },
  );
}
