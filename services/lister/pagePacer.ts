import type { JetStreamManager, JsMsg } from 'nats';
import { STREAMS, consumers, type JobEventStore, type ListTask } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';

const BACKLOG_POLL_MS = 500;
export const HEARTBEAT_EVERY_MS = 3_000;

export interface PagePacerOptions {
  msg: JsMsg;
  task: ListTask;
  store: JobEventStore;
  jsm: JetStreamManager;
  log: Logger;
  /** Listing waits while this many of the run's items are still undelivered. */
  maxWaitingItems: number;
  signal: AbortSignal;
  /** false for a run that queues no work (a verify run): there is no backlog to wait for. */
  backlog?: boolean;
}

/**
 * What the listing asks before each page: keeps the task leased, stops on pause or cancel, and holds
 * listing while copiers have not drained the run's backlog, so the work stream stays bounded.
 */
export function pagePacer({ msg, task, store, jsm, log, maxWaitingItems, signal, backlog: paced = true }: PagePacerOptions): () => Promise<'stop' | 'continue'> {
  let lastBeat = Date.now();
  let waiting = false;
  return async () => {
    for (;;) {
      if (signal.aborted) return 'stop';
      if (Date.now() - lastBeat >= HEARTBEAT_EVERY_MS) {
        lastBeat = Date.now();
        msg.working();
        const { state: now } = await store.load(task.job_id);
        if (now.run !== task.run || now.status !== 'running') return 'stop';
      }
      if (!paced) return 'continue';
      const backlog = await jsm.consumers.info(STREAMS.work, consumers.work(task.job_id, task.run));
      if (backlog.num_pending < maxWaitingItems) {
        waiting = false;
        return 'continue';
      }
      if (!waiting) log.info({ job_id: task.job_id, run: task.run, waiting_items: backlog.num_pending }, 'listing waits for copiers to drain the backlog');
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, BACKLOG_POLL_MS));
    }
  };
}
