import type { AnswerOf } from '../../../../libs/api/index.js';
import { time } from '../format.js';

type HistoryEntry = NonNullable<AnswerOf<'GetJobHistory'>['events']>[number];

interface RunSpan {
  run: number;
  from: number;
  to: number;
  outcome: string;
  events: HistoryEntry[];
}

const OUTCOMES: Record<string, string> = { RunCompleted: 'completed', RunFailed: 'failed', JobCancelled: 'cancelled', JobPaused: 'paused' };

/** Each run's events from the history API, grouped by run and drawn on one time axis. */
export function runSpans(events: HistoryEntry[], now: number, current?: { run?: number; status?: string }): RunSpan[] {
  const runs = new Map<number, RunSpan>();
  for (const e of events) {
    const run = e.run ?? 0;
    if (run === 0) continue;
    const at = Date.parse(e.time ?? '');
    const span = runs.get(run) ?? { run, from: at, to: at, outcome: 'running', events: [] };
    span.to = at;
    span.events.push(e);
    const outcome = Object.entries(OUTCOMES).find(([type]) => e.type?.startsWith(type))?.[1];
    if (outcome) span.outcome = outcome;
    else if (e.type === 'JobResumed' || e.type === 'RunStarted') span.outcome = 'running';
    runs.set(run, span);
  }
  const spans = [...runs.values()];
  // The view can say a run ended before the event saying so is in the log (the projector appends it next).
  const latest = current?.run === undefined ? undefined : runs.get(current.run);
  if (latest && current?.status && current.status !== 'pending') latest.outcome = current.status;
  for (const s of spans) if (s.outcome === 'running' || s.outcome === 'paused') s.to = now;
  return spans;
}

export function RunTimeline({ events, now, current }: { events: HistoryEntry[]; now: number; current: { run?: number; status?: string } }) {
  const spans = runSpans(events, now, current);
  if (spans.length === 0) return <p class="muted">No run yet.</p>;
  const start = Math.min(...spans.map((s) => s.from));
  const end = Math.max(now, ...spans.map((s) => s.to));
  const width = Math.max(1, end - start);
  return (
    <div class="timeline" data-testid="timeline">
      {spans.map((s) => (
        <details key={s.run} class="run" data-testid={`run-${s.run}`}>
          <summary>
            <span class="run-name">run {s.run}</span>
            <span class="track">
              <span
                class={`span ${s.outcome}`}
                style={{ left: `${((s.from - start) / width) * 100}%`, width: `${Math.max(0.5, ((s.to - s.from) / width) * 100)}%` }}
              />
            </span>
            <span class={`status ${s.outcome}`}>{s.outcome}</span>
          </summary>
          <table class="events">
            <tbody>
              {s.events.map((e) => (
                <tr key={e.seq}>
                  <td>{time(e.time)}</td>
                  <td>{e.type}</td>
                  <td>{e.actor || 'ferry'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </div>
  );
}
