import type { NatsConnection } from 'nats';
import { failuresOnly, runSpan, workItemMessageId, type JobState, type WorkItem } from '../../libs/domain/index.js';
import { encodeJson, publishDurably, readRunFailures, subjects } from '../../libs/nats/index.js';
import type { ListRunContext } from './listRun.js';
import { PublishWindow } from './publishWindow.js';

const MAX_PUBLISHES_IN_FLIGHT = 256;
/** Objects between heartbeats (which also check backpressure): one per page, as when listing a bucket. */
const PAGE_SIZE = 1000;

/**
 * "Lists" a retry-failed run: its objects are the failures of the run it retries, read
 * from that run's outcomes (or their summary) in ordinal order (stable, so a resumed listing re-publishes
 * the same ordinals under the same message ids). The source bucket is not listed.
 * Work items carry no etag: the copier checks bodies against the etag of its own GET.
 */
export async function listRetryRun(nc: NatsConnection, ctx: Pick<ListRunContext, 'js' | 'store' | 'checkpointInterval' | 'heartbeat'>, state: JobState): Promise<'complete' | 'stopped'> {
  const jobId = state.job_id;
  const run = state.run;
  const span = runSpan(await ctx.store.read(jobId), state.retry_of);
  const failed = span ? failuresOnly((await readRunFailures(nc, jobId, span)).failed) : [];
  let ordinal = state.listing.listed_objects;
  let bytes = state.listing.listed_bytes;
  let sinceCheckpoint = 0;
  // A failed publish stops the listing (thrown by the next add or drain); it resumes from its checkpoint.
  const window = new PublishWindow(MAX_PUBLISHES_IN_FLIGHT);
  const now = () => new Date().toISOString();

  for (const [index, object] of failed.slice(ordinal).entries()) {
    if (index % PAGE_SIZE === 0 && (await ctx.heartbeat()) === 'stop') {
      await window.drain();
      return 'stopped';
    }
    const item: WorkItem = { job_id: jobId, run, ordinal, key: object.key, size: object.size, etag: '', last_modified: '' };
    await window.add(publishDurably(ctx.js, subjects.work(jobId, run), encodeJson(item), { msgID: workItemMessageId(item) }));
    ordinal++;
    bytes += object.size;
    if (++sinceCheckpoint >= ctx.checkpointInterval) {
      await window.drain();
      await ctx.store.execute(jobId, {
        type: 'RecordListingCheckpoint',
        data: { job_id: jobId, run, listed_objects: ordinal, listed_bytes: bytes, start_after: object.key },
        metadata: { now: now() },
      });
      sinceCheckpoint = 0;
    }
  }
  await window.drain();
  await ctx.store.execute(jobId, { type: 'CompleteListing', data: { job_id: jobId, run, total_objects: ordinal, total_bytes: bytes }, metadata: { now: now() } });
  return 'complete';
}
