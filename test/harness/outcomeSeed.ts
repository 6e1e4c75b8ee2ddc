import type { NatsConnection } from 'nats';
import type { FerryEvent, ObjectOutcome, RunCounts } from '../../libs/domain/index.js';
import { encodeJson, subjects } from '../../libs/nats/index.js';

const IN_FLIGHT = 256;

/**
 * Seeds one job's log as a finished run leaves it: JobCreated (with `report`), RunStarted, `outcomes`
 * ObjectsProcessed batches of `perBatch`, then the RunFailed that ended it. `outcome(i)` makes the i-th.
 * Published straight to the stream (the decider has nothing to decide here), 256 publishes in flight.
 */
export async function seedRun(
  nc: NatsConnection,
  o: { jobId: string; outcomes: number; perBatch: number; outcome: (i: number) => ObjectOutcome; extra?: Array<{ after: number; event: FerryEvent }> },
): Promise<void> {
  const js = nc.jetstream();
  const at = new Date().toISOString();
  const job_id = o.jobId;
  const definition = { job_id, source_bucket: 'src', destination_bucket: 'dst', report: { bucket: 'reports', scope: 'all' as const, endpoint: 'destination' as const } };
  await js.publish(subjects.job(job_id), encodeJson({ type: 'JobCreated', data: { job_id, definition, at } } satisfies FerryEvent));
  await js.publish(subjects.job(job_id), encodeJson({ type: 'RunStarted', data: { job_id, run: 1, at } } satisfies FerryEvent));
  const pending = new Set<Promise<unknown>>();
  for (let first = 0; first < o.outcomes; first += o.perBatch) {
    const outcomes = Array.from({ length: Math.min(o.perBatch, o.outcomes - first) }, (_, i) => o.outcome(first + i));
    const publish = js.publish(subjects.outcome(job_id), encodeJson({ type: 'ObjectsProcessed', data: { job_id, run: 1, at, outcomes } } satisfies FerryEvent));
    pending.add(publish);
    void publish.finally(() => pending.delete(publish));
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
    for (const extra of o.extra ?? []) {
      if (extra.after === first) {
        await Promise.all(pending);
        await js.publish(extra.event.type === 'ObjectsProcessed' ? subjects.outcome(job_id) : subjects.job(job_id), encodeJson(extra.event));
      }
    }
  }
  await Promise.all(pending);
  const counts: RunCounts = { total_objects: o.outcomes, total_bytes: 0, completed_objects: 0, completed_bytes: 0, skipped_objects: 0, skipped_bytes: 0, failed_objects: 0, failed_bytes: 0 };
  await js.publish(subjects.job(job_id), encodeJson({ type: 'RunFailed', data: { job_id, run: 1, error: 'seeded', counts, at } } satisfies FerryEvent));
}
