import type { NatsConnection } from 'nats';
import type { JobView } from '../domain/index.js';
import { ReadModel, STREAMS, consumers, jobIdFromToken } from '../nats/index.js';
import { registerJobMetrics } from './metrics.js';

/** Keeps a cache of every job view (a read model watch) and serves the job gauges from it. */
export async function startJobMetrics(nc: NatsConnection): Promise<{ stop(): Promise<void> }> {
  const readModel = await ReadModel.open(nc);
  const jsm = await nc.jetstreamManager();
  const views = new Map<string, JobView>();
  const watcher = await readModel.watch((token, view) => {
    if (view) views.set(view.job_id, view);
    else views.delete(jobIdFromToken(token));
  });
  registerJobMetrics({
    views: () => views.values(),
    async pending(view) {
      const info = await jsm.consumers.info(STREAMS.work, consumers.work(view.job_id, view.run));
      return info.num_pending + info.num_ack_pending;
    },
  });
  return {
    async stop() {
      watcher.stop();
    },
  };
}
