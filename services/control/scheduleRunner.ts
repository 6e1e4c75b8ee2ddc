import { dueFiring, nextFiring, type JobSchedule, type JobView } from '../../libs/domain/index.js';
import type { ReadModelCopy } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';
import type { JobService } from './jobService.js';

const TICK_MS = 1_000;

interface Scheduled {
  schedule: JobSchedule;
  /** The latest firing known here: the read model's, or a newer one this process fired. */
  after: string;
}

/**
 * Fires job schedules. Runs in every control process: each firing is a FireSchedule command decided
 * against the job's log and appended with the expected sequence, so however many processes see it
 * due, exactly one records it (the others re-decide to nothing). After downtime only the most recent
 * missed firing is fired.
 */
export function startScheduleRunner({ views, log, jobs }: { views: ReadModelCopy; log: Logger; jobs: JobService }): { stop(): Promise<void> } {
  const scheduled = new Map<string, Scheduled>();
  const track = (view: JobView) => {
    if (!view.schedule) return scheduled.delete(view.job_id);
    const seen = view.last_fire_time ?? view.created_at;
    const known = scheduled.get(view.job_id)?.after;
    scheduled.set(view.job_id, { schedule: view.schedule, after: known && Date.parse(known) > Date.parse(seen) ? known : seen });
  };
  for (const view of views.held()) track(view);
  const follower = views.onChange((_jobId, _before, view) => {
    if (view) track(view);
  });
  // Deletions arrive without a view; a deleted job's firing decides to NOT_FOUND and is dropped below.

  const tick = async () => {
    const now = new Date();
    for (const [jobId, entry] of scheduled) {
      const due = dueFiring(entry.schedule, new Date(entry.after), now);
      if (!due) continue;
      const fire_time = due.toISOString();
      try {
        await jobs.fireSchedule(jobId, fire_time);
        entry.after = fire_time;
      } catch (err) {
        if ((err as { code?: string }).code === 'NOT_FOUND') scheduled.delete(jobId);
        else log.warn({ job_id: jobId, fire_time, err: String(err) }, 'schedule firing failed; retried on the next tick');
      }
    }
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | undefined;
  // Wakes at the earliest next firing (at most TICK_MS away, to notice new jobs), so firings start on time.
  const schedule = () => {
    if (stopped) return;
    const now = Date.now();
    let wait = TICK_MS;
    for (const entry of scheduled.values()) {
      const next = nextFiring(entry.schedule, new Date(Math.max(now, Date.parse(entry.after))));
      if (next) wait = Math.min(wait, Math.max(0, next.getTime() - now));
    }
    timer = setTimeout(() => {
      busy = tick()
        .catch((err) => log.warn({ err: String(err) }, 'schedule tick failed'))
        .finally(() => {
          busy = undefined;
          schedule();
        });
    }, wait);
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      follower.stop();
      await busy;
    },
  };
}
