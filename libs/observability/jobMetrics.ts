import type { NatsConnection } from 'nats';
import type { JobView } from '../domain/index.js';
import { JS_ERR, ReadModel, STREAMS, consumers, jobIdFromToken, unlessJetStreamError } from '../nats/index.js';
import type { Logger } from '../log/logger.js';
import { registerJobMetrics } from './metrics.js';

/** Keeps a cache of every job view (a read model watch) and serves the job gauges from it. */
export async function startJobMetrics(nc: NatsConnection, log: Logger): Promise<{ stop(): Promise<void> }> {
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
      // The run ended between the view and this call: its consumer is gone and it has no gauge.
      const info = await unlessJetStreamError(jsm.consumers.info(STREAMS.work, consumers.work(view.job_id, view.run)), JS_ERR.consumerNotFound).catch(
        (err: unknown) => void log.warn({ job_id: view.job_id, run: view.run, err: String(err) }, 'reading pending work for the metrics failed'),
      );
      return info ? info.num_pending + info.num_ack_pending : undefined;
    },
  });
  return {
    async stop() {
      watcher.stop();
    },
  };
}
