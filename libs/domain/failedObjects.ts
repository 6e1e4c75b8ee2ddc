import type { Difference, FailedObject, JobError, JobEvent, ObjectOutcome, ObjectResult, ObjectsProcessed } from './events.js';
import { decodeNumericPageToken, encodePageToken, pageSizeOf } from './paging.js';
import { OrdinalSet } from './ordinalSet.js';

/** Where a run's outcomes lie in the events stream: from its RunStarted up to (not including) the event that ended it. */
export interface RunSpan {
  run: number;
  fromSeq: number;
  /** Outcomes at or after this sequence arrived after the run ended; the projector ignores them too. */
  endSeq?: number;
}

const ENDINGS: ReadonlySet<JobEvent['type']> = new Set(['RunCompleted', 'RunFailed', 'JobCancelled']);

/** The span of `run` (default: the latest run) in the job's lifecycle events, or undefined when it never started. */
export function runSpan(events: Array<{ seq: number; event: JobEvent }>, run?: number): RunSpan | undefined {
  let span: RunSpan | undefined;
  for (const { seq, event } of events) span = followRunSpan(span, event, seq, run);
  return span;
}

/** The span of `run` (default: the latest run) once the job event at `seq` is folded; the projection keeps its latest run's this way. */
export function followRunSpan(span: RunSpan | undefined, event: JobEvent, seq: number, run?: number): RunSpan | undefined {
  if (event.type === 'RunStarted' && (run === undefined || event.data.run === run)) return { run: event.data.run, fromSeq: seq };
  if (span && span.endSeq === undefined && ENDINGS.has(event.type) && (event.data as { run: number }).run === span.run) return { ...span, endSeq: seq };
  if (event.type === 'JobCreated' && run === undefined) return undefined; // a re-created job starts afresh
  return span;
}

/** The error that stopped the run of `span` (a fatal RunFailed), as /errors lists it: no key, at the time the run failed. */
export function runStopError(events: Array<{ seq: number; event: JobEvent }>, span: RunSpan): JobError | undefined {
  if (span.endSeq === undefined) return undefined;
  const ending = events.find(({ seq }) => seq === span.endSeq)?.event;
  if (ending?.type !== 'RunFailed' || !ending.data.fatal) return undefined;
  return { time: ending.data.at, key: '', error: ending.data.error, run: span.run };
}

/**
 * Collects, batch by batch, the final failures of one run and the attempts that were retried.
 * Like the projector, the first outcome of an ordinal counts and a later (redelivered) one is
 * ignored; ordinals seen are kept in an OrdinalSet, so a run of millions of objects is read in
 * a few MB whatever its keys look like. Retried attempts are kept up to `retriesKept`, newest.
 */
export class RunFailures {
  private failed: FailedObject[] = [];
  private retried: JobError[] = [];

  /** `seen`: ordinals already counted (a mid-run checkpoint's), whose later outcomes are ignored. */
  constructor(
    private readonly span: RunSpan,
    private readonly retriesKept = Number.POSITIVE_INFINITY,
    private readonly seen = new OrdinalSet(),
  ) {}

  add(seq: number, event: ObjectsProcessed): void {
    const span = this.span;
    if (event.data.run !== span.run || seq < span.fromSeq || (span.endSeq !== undefined && seq > span.endSeq)) return;
    for (const o of event.data.outcomes) {
      if (!this.seen.add(o.ordinal)) continue;
      const failed = failedObjectOf(o, event.data);
      if (failed) this.failed.push(failed);
    }
    this.retried = withRetriesOf(event.data, this.retried, this.retriesKept);
  }

  /** Failures in ordinal order; retried attempts oldest first. */
  result(): { failed: FailedObject[]; retried: JobError[] } {
    const retried = Number.isFinite(this.retriesKept) ? this.retried.slice(-this.retriesKept) : this.retried;
    return { failed: [...this.failed].sort((a, b) => a.ordinal - b.ordinal), retried };
  }

  /** The result so far, then forgets it but not the ordinals seen: the next drain has only what was added since. */
  drain(): { failed: FailedObject[]; retried: JobError[] } {
    const out = this.result();
    this.failed = [];
    this.retried = [];
    return out;
  }
}

/** The failure (or verify difference) an object's first outcome records, if it is one. */
export function failedObjectOf(o: ObjectOutcome, batch: { run: number; at: string }): FailedObject | undefined {
  const difference = differenceOf(o.result);
  if (o.result !== 'failed' && !difference) return undefined;
  const failed: FailedObject = { key: o.key, error: o.error ?? o.result, attempts: o.attempts, last_attempt: batch.at, run: batch.run, ordinal: o.ordinal, size: o.size };
  return difference ? { ...failed, difference } : failed;
}

/**
 * `retried` with the batch's retried attempts appended (in place), trimmed to the latest `retriesKept`
 * once it holds twice that, so trimming is rare.
 */
export function withRetriesOf(batch: ObjectsProcessed['data'], retried: JobError[], retriesKept: number): JobError[] {
  for (const r of batch.retries ?? []) retried.push({ time: batch.at, key: r.key, error: `attempt ${r.attempt}: ${r.error}`, run: batch.run });
  return retried.length > 2 * retriesKept ? retried.slice(-retriesKept) : retried;
}

function differenceOf(result: ObjectResult): Difference | undefined {
  return result === 'missing' || result === 'differing' || result === 'extra' ? result : undefined;
}

/** A run's failures proper: objects that could not be copied (or, in a verify run, checked). */
export const failuresOnly = (objects: FailedObject[]): FailedObject[] => objects.filter((o) => o.difference === undefined);

/** What a verify run found different, kept with its failures (the same retention and summary). */
export const differencesOnly = (objects: FailedObject[]): FailedObject[] => objects.filter((o) => o.difference !== undefined);

/** The objects of one run whose final outcome was a failure (or a verify run's difference), in ordinal order. */
export function failedObjectsOf(batches: Array<{ seq: number; event: ObjectsProcessed }>, span: RunSpan): FailedObject[] {
  const collector = new RunFailures(span);
  for (const { seq, event } of batches) collector.add(seq, event);
  return collector.result().failed;
}

/** Newest first, at most `limit`: final failures and retried attempts together. */
export function recentErrors(failed: FailedObject[], limit: number, retried: JobError[] = []): JobError[] {
  const finals = failed.map(({ last_attempt, key, error, run }) => ({ time: last_attempt, key, error, run }));
  return [...finals, ...retried]
    .map((e, index) => ({ e, index }))
    .sort((a, b) => (a.e.time === b.e.time ? b.index - a.index : a.e.time < b.e.time ? 1 : -1))
    .slice(0, limit)
    .map(({ e }) => e);
}

/** Failed objects and errors come 100 to a page unless page_size says otherwise. */
const FAILURES_PAGE_SIZE = 100;

/** An offset page over a list; the token is the base64url offset, checked to be one this server issued. */
export function offsetPage<T>(items: T[], pageSize = 0, pageToken = ''): { items: T[]; next_page_token: string } {
  const size = pageSizeOf(pageSize, FAILURES_PAGE_SIZE);
  const offset = decodeNumericPageToken(pageToken);
  const page = items.slice(offset, offset + size);
  const next = offset + page.length;
  return { items: page, next_page_token: next < items.length ? encodePageToken(next) : '' };
}
