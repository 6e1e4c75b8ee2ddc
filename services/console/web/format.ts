import type { Progress } from './api.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(n: number | undefined): string {
  let value = n ?? 0;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export function rate(n: number | undefined): string {
  return n ? `${bytes(n)}/s` : '—';
}

// One formatter: toLocaleString builds a new one on every call, which a page of 1,000 rows feels.
const COUNT = new Intl.NumberFormat('en-US');

export function count(n: number | undefined): string {
  return COUNT.format(n ?? 0);
}

/** Objects dealt with (copied, skipped or failed) as a share of those listed; undefined before any are listed. */
export function percentDone(p: Progress | undefined): number | undefined {
  const total = p?.total_objects ?? 0;
  if (total === 0) return p?.listing_complete ? 100 : undefined;
  const done = (p?.completed_objects ?? 0) + (p?.skipped_objects ?? 0) + (p?.failed_objects ?? 0);
  return Math.min(100, Math.floor((done / total) * 100));
}

/** How far ahead an RFC 3339 time is, as "3 min", "2 h 5 min"; "—" when absent or past. */
export function eta(at: string | undefined, now = Date.now()): string {
  if (!at) return '—';
  const seconds = Math.round((Date.parse(at) - now) / 1000);
  if (!(seconds > 0)) return '—';
  return duration(seconds);
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function ago(at: string | undefined, now = Date.now()): string {
  if (!at) return '—';
  const seconds = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  return `${duration(seconds)} ago`;
}

export function time(at: string | undefined): string {
  return at ? new Date(at).toLocaleString('en-GB', { hour12: false }) : '—';
}
