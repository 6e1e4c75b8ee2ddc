import type { Progress } from '../api.js';
import { percentDone } from '../format.js';

export function ProgressBar({ progress, large }: { progress: Progress | undefined; large?: boolean }) {
  const percent = percentDone(progress);
  const label = percent === undefined ? 'listing…' : `${percent}%`;
  return (
    <div class={large ? 'bar large' : 'bar'} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} data-testid="progress">
      <div class="fill" style={{ width: `${percent ?? 0}%` }} />
      <span class="label" data-testid="percent">{label}</span>
    </div>
  );
}

export function StatusBadge({ status, queued }: { status: string | undefined; queued?: boolean }) {
  return (
    <span class={`status ${status ?? ''}`} data-testid="status">
      {status ?? '?'}
      {queued ? ' (queued)' : ''}
    </span>
  );
}
