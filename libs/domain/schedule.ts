import { Cron } from 'croner';
import { invalidField } from './errors.js';

/** A job's recurring start: a cron expression (5 fields, or 6 with seconds) read in an IANA time zone. */
export interface JobSchedule {
  cron: string;
  /** IANA zone name; UTC when absent. */
  timezone?: string;
}

const MAX_CRON = 256;

function cronOf(schedule: JobSchedule): Cron {
  // Without a callback croner only parses: no timer is started.
  return new Cron(schedule.cron, { timezone: schedule.timezone ?? 'UTC' });
}

export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false; // "Invalid time zone specified"
    throw err;
  }
}

/** Checks a request's `schedule`; problems are INVALID_ARGUMENT naming `schedule.cron` or `schedule.timezone`. */
export function validateSchedule(value: unknown): JobSchedule {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidField('schedule', 'must be an object with cron and timezone');
  const { cron, timezone, ...extra } = value as Record<string, unknown>;
  const unknown = Object.keys(extra)[0];
  if (unknown !== undefined) throw invalidField(`schedule.${unknown}`, 'unknown field');
  if (typeof cron !== 'string' || cron.trim() === '') throw invalidField('schedule.cron', 'is required');
  if (cron.length > MAX_CRON) throw invalidField('schedule.cron', `must be at most ${MAX_CRON} characters`);
  if (timezone !== undefined && (typeof timezone !== 'string' || !isKnownTimeZone(timezone))) {
    throw invalidField('schedule.timezone', 'must be an IANA time zone name such as "Europe/Paris"');
  }
  const schedule: JobSchedule = timezone === undefined ? { cron } : { cron, timezone: timezone as string };
  let next: Date | null;
  try {
    next = cronOf(schedule).nextRun(new Date(0));
  } catch (err) {
    throw invalidField('schedule.cron', `is not a valid cron expression: ${(err as Error).message}`);
  }
  if (!next) throw invalidField('schedule.cron', 'never fires');
  return schedule;
}

/** The first firing strictly after `after` (DST handled by croner), or undefined when there is none. */
export function nextFiring(schedule: JobSchedule, after: Date): Date | undefined {
  return cronOf(schedule).nextRun(after) ?? undefined;
}

/**
 * The most recent firing in (after, now], or undefined when none is due. After an outage this is
 * the last missed firing only: missed firings are not replayed one by one.
 */
export function dueFiring(schedule: JobSchedule, after: Date, now: Date): Date | undefined {
  const cron = cronOf(schedule);
  const first = cron.nextRun(after);
  if (!first || first > now) return undefined;
  // Search back from now in doubling windows, so a long outage costs a few steps, not one per missed firing.
  for (let span = 1000; ; span *= 2) {
    const from = new Date(Math.max(now.getTime() - span, after.getTime()));
    let found = cron.nextRun(from);
    if (found && found <= now) {
      for (let next = cron.nextRun(found); next && next <= now; next = cron.nextRun(found)) found = next;
      return found;
    }
  }
}

/** What a job's status shows: a firing already due (about to start), else the next one. */
export function nextRunAt(schedule: JobSchedule, lastFiring: Date, now: Date): string | undefined {
  return (dueFiring(schedule, lastFiring, now) ?? nextFiring(schedule, now))?.toISOString();
}

/** A job view with `next_run_at` filled in when it has a schedule; computed when read, so stored views never depend on the clock. */
export function withNextRunAt<V extends { schedule?: JobSchedule; last_fire_time?: string; created_at: string; next_run_at?: string }>(view: V, now: Date): V {
  if (!view.schedule || !view.created_at) return view;
  const next = nextRunAt(view.schedule, new Date(view.last_fire_time ?? view.created_at), now);
  return next === undefined ? view : { ...view, next_run_at: next };
}
