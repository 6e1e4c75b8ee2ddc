import type { Job__Output } from '../../libs/api/index.js';
import { bytesDone, formatBytes, formatDuration, formatRate, objectsDone, type ProgressLike } from './format.js';

export const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);

const BAR_WIDTH = 30;

/** Seconds left: the server's estimate when it has one, else remaining bytes over the current rate. */
export function etaSeconds(p: ProgressLike, now: number): number | undefined {
  if (p.estimated_completion) {
    const at = Date.parse(p.estimated_completion);
    if (!Number.isNaN(at)) return Math.max(0, (at - now) / 1000);
  }
  const rate = p.current_rate_bytes_sec ?? 0;
  if (!p.listing_complete || rate <= 0) return undefined;
  return Math.max(0, ((p.total_bytes ?? 0) - bytesDone(p)) / rate);
}

/** Fraction done, by bytes when there are any, else by objects; 0 until the listing gives a total. */
export function fractionDone(p: ProgressLike): number {
  const totalBytes = p.total_bytes ?? 0;
  const totalObjects = p.total_objects ?? 0;
  if (totalBytes > 0) return Math.min(1, bytesDone(p) / totalBytes);
  if (totalObjects > 0) return Math.min(1, objectsDone(p) / totalObjects);
  return p.listing_complete ? 1 : 0;
}

/** One line: bar, percent, objects, bytes, rate, ETA and status. */
export function progressLine(job: Pick<Job__Output, 'status' | 'progress'>, now = Date.now()): string {
  const p = job.progress ?? {};
  const fraction = job.status === 'completed' ? 1 : fractionDone(p);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const objects = `${objectsDone(p)}/${p.total_objects ?? 0}${p.listing_complete ? '' : '+'} objects`;
  const bytes = `${formatBytes(bytesDone(p))}/${formatBytes(p.total_bytes)}`;
  const eta = TERMINAL_STATUSES.has(job.status ?? '') ? undefined : etaSeconds(p, now);
  const failed = p.failed_objects ? `  ${p.failed_objects} failed` : '';
  return `${bar} ${percent}  ${objects}  ${bytes}  ${formatRate(p.current_rate_bytes_sec)}  ETA ${eta === undefined ? '--' : formatDuration(eta)}  ${job.status}${failed}`;
}

/**
 * Draws progress on a stream: redrawn in place on a terminal; elsewhere (logs,
 * pipes) a new line only when the text changes, at most once a second.
 */
export class ProgressView {
  private lastLine = '';
  private lastWrite = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(job: Job__Output, final = false): void {
    const line = progressLine(job);
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns || 200) - 1)}${final ? '\n' : ''}`);
      return;
    }
    const now = Date.now();
    if (line === this.lastLine || (!final && now - this.lastWrite < 1000)) return;
    this.lastLine = line;
    this.lastWrite = now;
    this.out.write(`${line}\n`);
  }
}
