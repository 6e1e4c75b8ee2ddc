import { status } from '@grpc/grpc-js';
import { ServerError, type FerryClient } from './client.js';
import { TERMINAL_STATUSES } from './progress.js';
import type { Job__Output } from '../../libs/api/index.js';

export type WatchedJob = Job__Output;

/**
 * Reports the job on each change until it ends, and returns its last state. Uses
 * the WatchJob stream; where the server does not implement it (or the stream ends
 * early) it polls GetJob instead. With `run`, only that run's end (or a later one's)
 * counts: the read model may still show the previous run ended when a new one was
 * just started.
 */
export async function watchJob(client: FerryClient, jobId: string, onJob: (job: WatchedJob) => void, opts: { run?: number; pollMs?: number } = {}): Promise<WatchedJob> {
  const ended = (job: WatchedJob) => TERMINAL_STATUSES.has(job.status ?? '') && (job.run ?? 0) >= (opts.run ?? 0);
  const stream = client.stream('WatchJob', { job_id: jobId });
  try {
    for await (const job of stream) {
      onJob(job);
      if (ended(job)) {
        stream.cancel();
        return job;
      }
    }
  } catch (err) {
    if (!(err instanceof ServerError && err.code === status.UNIMPLEMENTED)) throw err;
  }
  for (;;) {
    const job = await client.call('GetJob', { job_id: jobId });
    onJob(job);
    if (ended(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 1000));
  }
}
