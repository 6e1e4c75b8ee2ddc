import type { NatsConnection } from 'nats';
import {
  DEFAULT_PRIORITY,
  FerryError,
  admit,
  beyondHistoryLimit,
  holderVerdict,
  isActive,
  isFinished,
  queuePositions,
  type JobView,
  type QueuedRun,
  type SlotHolder,
} from '../../../libs/domain/index.js';
import { JobEventStore, publishListTask, type ReadModelCopy } from '../../../libs/nats/index.js';
import type { SecretSealer } from '../../../libs/secrets/index.js';
import type { Logger } from '../../../libs/log/logger.js';
import { SlotStore, type SlotsEntry } from './slotStore.js';

/** Also re-checks on a timer: a control process that died between winning a slot and starting the run left work to finish. */
const RECHECK_MS = 2_000;
const MAX_CONFLICTS = 20;

export interface SchedulerOptions {
  nc: NatsConnection;
  /** The job views it admits by: passes wait until the copy is complete. */
  views: ReadModelCopy;
  log: Logger;
  sealer: SecretSealer;
  maxConcurrentJobs: number;
  historyLimit: number;
}

export interface JobScheduler {
  /** One admission pass now, counting `queued` even if the read model has not shown it yet. */
  kick(queued?: QueuedRun): Promise<void>;
  /**
   * A start's claim on a slot for a run not yet in the log: true when the run won a slot (ahead of
   * nobody waiting with a better place) and the caller must now append RunStarted; false means queue it.
   */
  claim(request: QueuedRun): Promise<boolean>;
  /** 1-based place of a waiting job, as far as the read model shows the queue. */
  queuePosition(jobId: string): number | undefined;
  stop(): Promise<void>;
}

function queuedRun(view: JobView): QueuedRun | undefined {
  if (!view.queued) return undefined;
  return { job_id: view.job_id, run: view.run + 1, priority: view.priority ?? DEFAULT_PRIORITY, requested_at: view.queued_at ?? view.created_at };
}

const sameHolders = (a: SlotHolder[], b: SlotHolder[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Admits queued runs into max_concurrent_jobs slots and enforces history_limit. Any number
 * may run: the slot entry's revision check serializes them, and every action is idempotent
 * (AdmitRun and ExpireJob decide to nothing when they come late).
 */
export async function startScheduler({ nc, views, log, sealer, maxConcurrentJobs, historyLimit }: SchedulerOptions): Promise<JobScheduler> {
  const js = nc.jetstream();
  const slots = await SlotStore.open(nc);
  const store = await JobEventStore.open(nc);
  const expiring = new Set<string>();

  const waiting = (all: JobView[], extra?: QueuedRun): QueuedRun[] => {
    const queue = new Map<string, QueuedRun>();
    for (const view of all) {
      const q = queuedRun(view);
      if (q) queue.set(q.job_id, q);
    }
    if (extra && !queue.has(extra.job_id)) queue.set(extra.job_id, extra);
    return [...queue.values()];
  };

  /** Trusts the read model only when it shows the holder's run active; anything else is checked against the job's log. */
  async function verdict(holder: SlotHolder, now: string) {
    const view = views.get(holder.job_id);
    if (view && isActive(view.status) && view.run === holder.run) return 'keep' as const;
    const { state } = await store.load(holder.job_id);
    return holderVerdict(holder, state.exists ? { exists: true, status: state.status, run: state.run, queued_run: state.queued?.run } : { exists: false }, now);
  }

  async function startRun(holder: SlotHolder): Promise<void> {
    const { events } = await store.execute(holder.job_id, {
      type: 'AdmitRun',
      data: { job_id: holder.job_id, run: holder.run },
      metadata: { now: new Date().toISOString() },
    });
    if (events.length === 0) return; // cancelled or deleted meanwhile: the next pass releases its slot
    await publishListTask(js, { job_id: holder.job_id, run: holder.run });
    log.info({ job_id: holder.job_id, run: holder.run }, 'queued run admitted');
  }

  /** Returns whether `extra` won a slot; a `direct` extra is left for its caller to start. */
  async function admissionPass(extra?: QueuedRun, direct = false): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      const all = views.all();
      // Without every job's view the limit could be miscounted; the timer's next pass tries again.
      if (!all) return false;
      const current: SlotsEntry = await slots.read();
      const now = new Date().toISOString();
      const kept: SlotHolder[] = [];
      const toStart: SlotHolder[] = [];
      for (const holder of current.holders) {
        const v = await verdict(holder, now);
        if (v === 'release') continue;
        kept.push(holder);
        if (v === 'start') toStart.push(holder);
      }
      // Runs started without a slot (e.g. retry-failed) still count against the limit.
      for (const view of all) {
        if (isActive(view.status) && !kept.some((h) => h.job_id === view.job_id)) kept.push({ job_id: view.job_id, run: view.run, since: now });
      }
      const admission = admit(kept, waiting(all, extra), maxConcurrentJobs, now);
      const won = (h: SlotHolder) => direct && extra !== undefined && h.job_id === extra.job_id && admission.admitted.some((a) => a.job_id === h.job_id);
      const holders = admission.holders.map((h) => (won(h) ? { ...h, direct: true } : h));
      if (!sameHolders(current.holders, holders) && !(await slots.write(current, holders))) continue;
      const admitted = holders.filter((h) => admission.admitted.some((a) => a.job_id === h.job_id));
      for (const holder of [...toStart, ...admitted.filter((h) => !won(h))]) await startRun(holder).catch((err) => log.warn({ err: String(err), job_id: holder.job_id }, 'admitted run not started yet; the next pass retries'));
      return holders.some(won);
    }
    throw new Error(`scheduler: gave up after ${MAX_CONFLICTS} concurrent slot updates`);
  }

  async function expireHistory(): Promise<void> {
    const finished = (views.all() ?? [])
      .filter((v) => isFinished(v.status) && !v.queued && v.completed_at)
      .map((v) => ({ job_id: v.job_id, completed_at: v.completed_at! }));
    for (const jobId of beyondHistoryLimit(finished, historyLimit)) {
      if (expiring.has(jobId)) continue;
      expiring.add(jobId);
      try {
        const { events } = await store.execute(jobId, { type: 'ExpireJob', data: { job_id: jobId }, metadata: { now: new Date().toISOString() } });
        if (events.some((e) => e.type === 'JobDeleted')) {
          await sealer.destroy(jobId);
          log.info({ job_id: jobId, history_limit: historyLimit }, 'finished job removed by history_limit');
        }
      } catch (err) {
        if (!(err instanceof FerryError && err.code === 'NOT_FOUND')) throw err;
      } finally {
        expiring.delete(jobId);
      }
    }
  }

  let chain = Promise.resolve();
  let passQueued = false;
  const schedule = (extra?: QueuedRun, direct = false): Promise<boolean> => {
    if (!extra && passQueued) return chain.then(() => false);
    if (!extra) passQueued = true;
    const pass = chain.then(async () => {
      if (!extra) passQueued = false;
      const won = await admissionPass(extra, direct).catch((err) => {
        log.warn({ err: String(err) }, 'admission pass failed; retrying on the next change');
        return false;
      });
      await expireHistory().catch((err) => log.warn({ err: String(err) }, 'history_limit pass failed; retrying on the next change'));
      return won;
    });
    chain = pass.then(() => undefined);
    return pass;
  };

  // Only lifecycle and priority changes matter here, not the progress updates that rewrite views many times a second.
  const signature = (v: JobView | undefined) => (v ? `${v.status}|${v.run}|${v.queued ?? false}|${v.completed_at ?? ''}|${v.priority ?? ''}` : '');
  const follower = views.onChange((_jobId, before, after) => {
    if (signature(before) !== signature(after)) void schedule();
  });
  const timer = setInterval(() => void schedule(), RECHECK_MS);

  return {
    kick: async (queued) => void (await schedule(queued)),
    claim: (request) => schedule(request, true),
    queuePosition: (jobId) => queuePositions(waiting(views.all() ?? [])).get(jobId),
    async stop() {
      clearInterval(timer);
      follower.stop();
      await chain;
    },
  };
}
