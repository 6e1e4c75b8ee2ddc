import { Cron } from 'croner';
import { invalidField } from './errors.js';
import { isKnownTimeZone } from './schedule.js';

/**
 * A bandwidth timetable, like rclone's `--bwlimit "08:00,512k 18:00,off"`: each window starts at
 * `at` (on `days`, every day when absent) and holds until the next window starts. 0 is no limit.
 */
export interface RateWindow {
  at: string;
  days?: string;
  rate_limit_bytes_per_sec: number;
}

export interface RateSchedule {
  /** IANA zone the windows are read in: the job's schedule's zone, else UTC, when absent. */
  timezone?: string;
  windows: RateWindow[];
}

const FIELD = 'rate_limit_schedule';
const MAX_WINDOWS = 64;
const AT = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const DAY = '(?:sun|mon|tue|wed|thu|fri|sat)';
const DAYS = new RegExp(`^${DAY}(?:-${DAY})?(?:,${DAY}(?:-${DAY})?)*$`, 'i');
/** Every window recurs within a week: its last start is at most this long ago. */
const WEEK_MS = 7 * 24 * 3600 * 1000;

/** Checks a request's rate_limit_schedule; problems are INVALID_ARGUMENT naming the field, e.g. `rate_limit_schedule.windows[1].at`. */
export function validateRateSchedule(value: unknown): RateSchedule {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidField(FIELD, 'must be an object with windows and an optional timezone');
  const { timezone, windows, ...extra } = value as Record<string, unknown>;
  const unknown = Object.keys(extra)[0];
  if (unknown !== undefined) throw invalidField(`${FIELD}.${unknown}`, 'unknown field');
  if (timezone !== undefined && (typeof timezone !== 'string' || !isKnownTimeZone(timezone))) {
    throw invalidField(`${FIELD}.timezone`, 'must be an IANA time zone name such as "Europe/Paris"');
  }
  if (!Array.isArray(windows) || windows.length === 0 || windows.length > MAX_WINDOWS) throw invalidField(`${FIELD}.windows`, `must list 1 to ${MAX_WINDOWS} windows`);
  const checked = windows.map((w: unknown, i): RateWindow => {
    const at = `${FIELD}.windows[${i}]`;
    if (w === null || typeof w !== 'object' || Array.isArray(w)) throw invalidField(at, 'must be an object with at, rate_limit_bytes_per_sec and optional days');
    const { at: start, days, rate_limit_bytes_per_sec: rate, ...more } = w as Record<string, unknown>;
    const stray = Object.keys(more)[0];
    if (stray !== undefined) throw invalidField(`${at}.${stray}`, 'unknown field');
    if (typeof start !== 'string' || !AT.test(start)) throw invalidField(`${at}.at`, 'must be a time of day, HH:MM or HH:MM:SS (24-hour)');
    if (days !== undefined && (typeof days !== 'string' || !DAYS.test(days))) throw invalidField(`${at}.days`, 'must be days such as "mon-fri" or "sat,sun"');
    if (typeof rate !== 'number' || !Number.isSafeInteger(rate) || rate < 0) throw invalidField(`${at}.rate_limit_bytes_per_sec`, 'must be a whole number of bytes per second, 0 for no limit');
    return { at: start, ...(days === undefined ? {} : { days: days as string }), rate_limit_bytes_per_sec: rate };
  });
  return { ...(timezone === undefined ? {} : { timezone: timezone as string }), windows: checked };
}

function cronOf(window: RateWindow, zone: string): Cron {
  const [, hh, mm, ss] = AT.exec(window.at)!;
  // Without a callback croner only parses: no timer is started.
  return new Cron(`${Number(ss ?? 0)} ${Number(mm)} ${Number(hh)} * * ${window.days ?? '*'}`, { timezone: zone });
}

/** The rate in force at `now`: that of the window that started last (0: no limit). */
export function rateAt(schedule: RateSchedule, now: Date, defaultZone = 'UTC'): number {
  const zone = schedule.timezone ?? defaultZone;
  let latest: { start: number; rate: number } | undefined;
  for (const window of schedule.windows) {
    const start = lastStart(cronOf(window, zone), now);
    if (start !== undefined && (latest === undefined || start >= latest.start)) latest = { start, rate: window.rate_limit_bytes_per_sec };
  }
  return latest?.rate ?? 0;
}

/** When the next window starts after `now` (the rate may change then). */
export function nextRateChange(schedule: RateSchedule, now: Date, defaultZone = 'UTC'): Date | undefined {
  const zone = schedule.timezone ?? defaultZone;
  let next: Date | undefined;
  for (const window of schedule.windows) {
    const start = cronOf(window, zone).nextRun(now);
    if (start && (next === undefined || start < next)) next = start;
  }
  return next;
}

/** The latest start at or before `now`, found going forward from a week and a second before it. */
function lastStart(cron: Cron, now: Date): number | undefined {
  let found: number | undefined;
  let from = new Date(now.getTime() - WEEK_MS - 1000);
  for (;;) {
    const start = cron.nextRun(from);
    if (!start || start.getTime() > now.getTime()) return found;
    found = start.getTime();
    from = start;
  }
}

/** What decides a run's rate: a fixed rate, or a timetable read in its zone (else the job's schedule's). */
export interface RateSource {
  rate_limit_bytes_per_sec?: number;
  rate_limit_schedule?: RateSchedule;
  schedule?: { timezone?: string };
}

/** The rate in force at `now`, 0 for no limit. */
export function rateInForce(source: RateSource, now: Date): number {
  if (!source.rate_limit_schedule) return source.rate_limit_bytes_per_sec ?? 0;
  return rateAt(source.rate_limit_schedule, now, source.schedule?.timezone);
}

/** When the rate in force may next change by the clock (a window starts), or undefined for a fixed rate. */
export function nextRateChangeOf(source: RateSource, now: Date): Date | undefined {
  return source.rate_limit_schedule && nextRateChange(source.rate_limit_schedule, now, source.schedule?.timezone);
}
