import { isActive, withChanges } from './decider.js';
import type { RunKind } from './verifyMode.js';
import { emptyCounts, emptyVerifyCounts, type BucketRegionCorrection, type FailuresKept, type FerryEvent, type JobEvent, type ObjectsProcessed, type OutcomeCounts, type OutcomesCheckpointed, type OutcomesCompacted, type RunCounts } from './events.js';
import { publicDefinition, type JobStatus, type StoredJobDefinition } from './jobDefinition.js';
import { OrdinalSet } from './ordinalSet.js';
import { CHANGEABLE_SETTINGS, type JobChanges } from './jobChanges.js';
import { mirrors, type DeletionCount } from './mirror.js';
import { holdFailure, holdRetries, noUnkeptFailures, unkeptAfterCheckpoint, type UnkeptFailures } from './unkeptFailures.js';
import { followRunSpan, type RunSpan } from './failedObjects.js';

/** Rate is measured over this many seconds of recent copies, not since the run began. */
export const RATE_WINDOW_SECONDS = 10;
const MAX_RUNS_KEPT = 20;

export interface Progress extends RunCounts {
  listing_complete: boolean;
  current_rate_bytes_sec: number;
  estimated_completion?: string;
}

export interface RunSummary {
  run: number;
  status: JobStatus;
  started_at: string;
  completed_at?: string;
  error?: string;
  /** The earlier run whose failed objects this run retried. */
  retry_of?: number;
  /** copy, or verify: compared source and destination without copying (its counts carry the verify classes). */
  kind: RunKind;
  counts: RunCounts;
  /** The run's per-object outcome batches were purged from the log; its failures are kept in a summary. */
  outcomes_compacted?: boolean;
  /** The s3:// URI of the run's completion report manifest, once it was written (ReportWritten). */
  report_location?: string;
  /** Why the run's completion report could not be written (ReportFailed). */
  report_error?: string;
  /** A mirror run's delete phase (delete_extraneous), once its counting pass is recorded. */
  delete_phase?: DeletePhase;
}

/**
 * What a delete phase counted and where it stands: `deleting` until DeletionCompleted, then `completed`
 * (`note` says why nothing was deleted, if so), or `stopped` when the run ended first (max_delete, another
 * failure, a cancel).
 */
export interface DeletePhase extends DeletionCount {
  status: 'deleting' | 'completed' | 'stopped';
  note?: string;
}

/** The read model of one job: exactly what GET /admin/batch/jobs/{id} returns. */
export type JobView = ReturnType<typeof publicDefinition> & {
  status: JobStatus;
  run: number;
  progress: Progress;
  created_at: string;
  started_at?: string;
  completed_at?: string;
  paused_at?: string;
  duration_seconds?: number;
  error?: string;
  runs: RunSummary[];
  /** Waiting for a max_concurrent_jobs slot since `queued_at`; queue_position is filled in when the view is read. */
  queued?: boolean;
  queued_at?: string;
  queue_position?: number;
  /** The latest schedule firing recorded (started, queued or skipped); next_run_at is computed from it when the view is read. */
  last_fire_time?: string;
  next_run_at?: string;
  /** Buckets the server said are in another region than configured (BucketRegionCorrected), one entry per side and bucket. */
  bucket_regions?: Array<BucketRegionCorrection & { at: string }>;
  /** The current run's completion report manifest (s3:// URI), once it was written. */
  report_location?: string;
  /** Stream sequence of the last event folded into this view. */
  updated_seq: number;
};

/** Per-job projection state: the view plus what counting needs (ordinals seen, rate window). */
export interface JobProjection {
  view: JobView;
  definition: StoredJobDefinition;
  done: OrdinalSet;
  /** [epoch second, bytes] of recent copies, oldest first. */
  rate: Array<[number, number]>;
  /** The latest mid-run checkpoint folded: its run, stream sequence, and the objects it counted. */
  checkpoint?: CheckpointMark;
  /**
   * The current run's failures since its latest checkpoint, for the next checkpoint or, once the run
   * has ended, for its compaction. Unknown (undefined) when the projection was restored from a snapshot
   * (they are not kept there) or held too many; none once the run is compacted.
   */
  unkept?: UnkeptFailures;
  /** Where the latest run's outcomes lie in the log (its RunStarted, and the event that ended it). */
  span?: RunSpan;
}

export interface CheckpointMark {
  run: number;
  seq: number;
  objects: number;
}


const emptyProgress = (): Progress => ({ ...emptyCounts(), listing_complete: false, current_rate_bytes_sec: 0 });

export function countsOf(progress: Progress): RunCounts {
  const { listing_complete: _l, current_rate_bytes_sec: _r, estimated_completion: _e, ...counts } = progress;
  return counts;
}

/** Objects with a final outcome: copied, skipped or failed in a copy run; in a verify run also each class found. */
export function processedObjects(progress: RunCounts): number {
  const verified = (progress.matched_objects ?? 0) + (progress.missing_objects ?? 0) + (progress.differing_objects ?? 0) + (progress.extra_objects ?? 0);
  return progress.completed_objects + progress.skipped_objects + progress.failed_objects + verified;
}

/**
 * True while an ended run of a job with a `report` has neither a written report nor a recorded failure:
 * its outcome batches must stay until the report is written from them.
 */
export function reportPending(view: Pick<JobView, 'report'>, run: RunSummary): boolean {
  return view.report !== undefined && !isActive(run.status) && run.report_location === undefined && run.report_error === undefined;
}

/** True when every listed object of the current run has a final outcome and the run has not been ended yet. */
export function runIsOver(view: JobView): boolean {
  return view.status === 'running' && view.progress.listing_complete && processedObjects(view.progress) >= view.progress.total_objects;
}

/**
 * What other services act on in a view: its status, run, whether its listing is done and whether the
 * run is ready to end. The projector writes a view at once when this changes, and batches other
 * progress (counts, rate) into its periodic flush.
 */
export function milestoneOf(view: JobView | undefined): string {
  if (!view) return '';
  return `${view.status}:${view.run}:${view.progress.listing_complete}:${runIsOver(view)}:${view.queued ?? false}:${currentRun(view)?.delete_phase?.status ?? ''}`;
}

/** The summary of the view's current run. */
export function currentRun(view: JobView): RunSummary | undefined {
  return view.runs.find((r) => r.run === view.run);
}

/** Where a run whose copies are all done stands: a mirror run has its delete phase to go through before it may end. */
export function deletePhaseOf(view: JobView): 'none' | 'pending' | 'completed' {
  const run = currentRun(view);
  if (!run || !mirrors(view, run)) return 'none';
  return run?.delete_phase?.status === 'completed' ? 'completed' : 'pending';
}

function withDeletePhase(p: JobProjection, run: number, update: (phase: DeletePhase | undefined) => DeletePhase | undefined): JobProjection {
  const runs = p.view.runs.map((r) => {
    if (r.run !== run) return r;
    const phase = update(r.delete_phase);
    return phase ? { ...r, delete_phase: phase } : r;
  });
  return { ...p, view: { ...p.view, runs } };
}

function seconds(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
}

function endRun(p: JobProjection, status: JobStatus, at: string, counts: RunCounts, error?: string): JobProjection {
  const progress: Progress = { ...counts, listing_complete: true, current_rate_bytes_sec: 0 };
  const runs = p.view.runs.map((r) => (r.run === p.view.run ? { ...r, status, completed_at: at, counts, ...(error ? { error } : {}) } : r));
  const { estimated_completion: _e, ...rest } = p.view.progress;
  void rest;
  const view: JobView = {
    ...p.view,
    status,
    progress,
    completed_at: at,
    runs,
    ...(p.view.started_at ? { duration_seconds: seconds(p.view.started_at, at) } : {}),
    ...(error ? { error } : {}),
  };
  // Outcomes of an ended run are no longer counted: its bitmap is dropped.
  return { ...p, view, done: new OrdinalSet(), rate: [] };
}

function withStatus(p: JobProjection, status: JobStatus, extra: Partial<JobView> = {}): JobProjection {
  const runs = p.view.runs.map((r) => (r.run === p.view.run ? { ...r, status } : r));
  return { ...p, view: { ...p.view, status, runs, ...extra } };
}

function applyRate(p: JobProjection, at: string, bytes: number): Array<[number, number]> {
  const second = Math.floor(Date.parse(at) / 1000);
  const rate = p.rate.filter(([s]) => s > second - RATE_WINDOW_SECONDS);
  const last = rate[rate.length - 1];
  if (last && last[0] === second) last[1] += bytes;
  else rate.push([second, bytes]);
  return rate;
}

function newestSecond(rate: Array<[number, number]>): number {
  return rate.reduce((max, [s]) => Math.max(max, s), Number.NEGATIVE_INFINITY);
}

/** Bytes per second over the window ending at epoch second `second`: 0 once no byte moved in the window. */
function rateAt(rate: Array<[number, number]>, second: number): number {
  const recent = rate.filter(([s]) => s > second - RATE_WINDOW_SECONDS && s <= second);
  if (recent.length === 0) return 0;
  const span = Math.max(1, second - recent[0]![0] + 1);
  return Math.round(recent.reduce((sum, [, b]) => sum + b, 0) / span);
}

/** When the remaining bytes will be copied at `rateBytesSec` from `fromMs`; undefined while the total is unknown or nothing moves. */
function etaOf(progress: Progress, rateBytesSec: number, fromMs: number): string | undefined {
  const remaining = progress.total_bytes - progress.completed_bytes - progress.skipped_bytes - progress.failed_bytes;
  if (!progress.listing_complete || rateBytesSec <= 0 || remaining < 0) return undefined;
  return new Date(fromMs + (remaining / rateBytesSec) * 1000).toISOString();
}

/**
 * The view as of `nowMs`: the fold measures rate and ETA when outcomes arrive, which cannot decay
 * while none arrive (paused, stalled, waiting out a retry delay). For an active run this re-measures
 * them at `nowMs` (whole seconds, so the result changes at most once a second): the rate falls to 0
 * once the window holds no bytes, and the ETA is absent while the rate is 0. Other views are returned
 * as folded. The projector applies it when it writes views; the fold itself stays a function of the log.
 */
export function viewAt(p: JobProjection, nowMs: number): JobView {
  if (p.view.status !== 'running' && p.view.status !== 'paused') return p.view;
  // A projector clock behind the copiers' must not drop their newest bytes from the window.
  const second = Math.max(Math.floor(nowMs / 1000), newestSecond(p.rate));
  const { estimated_completion: _e, ...progress } = p.view.progress;
  const rate = rateAt(p.rate, second);
  const eta = etaOf(progress, rate, second * 1000);
  return { ...p.view, progress: { ...progress, current_rate_bytes_sec: rate, ...(eta === undefined ? {} : { estimated_completion: eta }) } };
}

function applyOutcomes(p: JobProjection, event: ObjectsProcessed, seq: number): JobProjection {
  const { run, outcomes, at } = event.data;
  if (run !== p.view.run || (p.view.status !== 'running' && p.view.status !== 'paused')) return p;
  // Replay folds millions of these: one copy of progress and view per event, and no `delete` (it slows V8's objects).
  const { estimated_completion: _e, ...progress } = p.view.progress as Progress;
  let movedBytes = 0;
  let unkept = p.unkept;
  if (unkept) holdRetries(unkept, event.data);
  for (const outcome of outcomes) {
    if (!p.done.add(outcome.ordinal)) continue;
    if (unkept && !holdFailure(unkept, outcome, event.data)) unkept = undefined;
    switch (outcome.result) {
      case 'copied':
        progress.completed_objects++;
        progress.completed_bytes += outcome.size;
        movedBytes += outcome.size;
        if (outcome.version_id !== undefined) {
          if (outcome.delete_marker) progress.delete_markers_copied = (progress.delete_markers_copied ?? 0) + 1;
          else progress.versions_copied = (progress.versions_copied ?? 0) + 1;
        }
        break;
      case 'skipped':
        progress.skipped_objects++;
        progress.skipped_bytes += outcome.size;
        break;
      case 'failed':
        progress.failed_objects++;
        progress.failed_bytes += outcome.size;
        break;
      case 'matched':
        progress.matched_objects = (progress.matched_objects ?? 0) + 1;
        break;
      case 'missing':
        progress.missing_objects = (progress.missing_objects ?? 0) + 1;
        break;
      case 'differing':
        progress.differing_objects = (progress.differing_objects ?? 0) + 1;
        break;
      case 'extra':
        progress.extra_objects = (progress.extra_objects ?? 0) + 1;
        break;
      default: {
        const exhaustive: never = outcome.result;
        throw new Error(`unhandled object result ${String(exhaustive)}`);
      }
    }
  }
  const rate = applyRate(p, at, movedBytes);
  // Copiers' clocks differ: an outcome stamped before the newest bucket measures up to that bucket.
  progress.current_rate_bytes_sec = rateAt(rate, Math.max(Math.floor(Date.parse(at) / 1000), newestSecond(rate)));
  const eta = etaOf(progress, progress.current_rate_bytes_sec, Date.parse(at));
  if (eta !== undefined) (progress as Progress).estimated_completion = eta;
  const next: JobProjection = { ...p, rate, view: { ...p.view, progress, updated_seq: seq } };
  if (unkept !== p.unkept) next.unkept = unkept; // held too many: let go
  return next;
}

function applyJobEvent(p: JobProjection | undefined, event: JobEvent): JobProjection | undefined {
  if (event.type === 'JobCreated') {
    const { definition, at } = event.data;
    const view: JobView = {
      ...publicDefinition(definition),
      status: 'pending',
      run: p?.view.run ?? 0,
      progress: emptyProgress(),
      created_at: at,
      runs: [],
      updated_seq: 0,
    };
    return { view, definition, done: new OrdinalSet(), rate: [] };
  }
  if (!p) return undefined;
  switch (event.type) {
    case 'RunStarted': {
      const { run, at } = event.data;
      const kind: RunKind = event.data.kind ?? 'copy';
      const counts = (): RunCounts => (kind === 'verify' ? { ...emptyCounts(), ...emptyVerifyCounts() } : emptyCounts());
      const summary: RunSummary = {
        run,
        status: 'running',
        started_at: at,
        ...(event.data.retry_of === undefined ? {} : { retry_of: event.data.retry_of }),
        kind,
        counts: counts(),
      };
      const { completed_at: _c, error: _e, duration_seconds: _d, paused_at: _p, report_location: _l, ...view } = withoutQueue(p.view);
      return {
        ...p,
        done: new OrdinalSet(),
        rate: [],
        unkept: noUnkeptFailures(),
        view: { ...view, ...fired(event.data.scheduled_for), status: 'running', run, started_at: at, progress: { ...emptyProgress(), ...counts() }, runs: [...p.view.runs, summary].slice(-MAX_RUNS_KEPT) },
      };
    }
    case 'RunQueued':
      return { ...p, view: { ...p.view, ...fired(event.data.scheduled_for), status: 'pending', queued: true, queued_at: event.data.at } };
    case 'ScheduledRunSkipped':
      return { ...p, view: { ...p.view, last_fire_time: event.data.fire_time } };
    case 'ListingSplit':
    case 'ListingRangeCompleted':
      return p;
    case 'ListingCheckpointed': {
      const progress = { ...p.view.progress };
      progress.total_objects = Math.max(progress.total_objects, event.data.listed_objects);
      progress.total_bytes = Math.max(progress.total_bytes, event.data.listed_bytes);
      return { ...p, view: { ...p.view, progress } };
    }
    case 'ListingCompleted':
      return {
        ...p,
        view: {
          ...p.view,
          progress: { ...p.view.progress, listing_complete: true, total_objects: event.data.total_objects, total_bytes: event.data.total_bytes },
        },
      };
    case 'JobPaused':
      return withStatus(p, 'paused', { paused_at: event.data.at });
    case 'JobUpdated': {
      const definition = withChanges(p.definition, event.data.changes);
      return { ...p, definition, view: withRunSettings(p.view, definition) };
    }
    case 'JobResumed': {
      const { paused_at: _p, ...view } = p.view;
      return withStatus({ ...p, view: view as JobView }, 'running');
    }
    case 'JobCancelled': {
      if (p.view.queued) return { ...p, view: { ...withoutQueue(p.view), status: 'cancelled', completed_at: event.data.at } };
      const stopped = withDeletePhase(p, event.data.run, (phase) => (phase && phase.status === 'deleting' ? { ...phase, status: 'stopped' } : phase));
      return endRun(stopped, 'cancelled', event.data.at, countsOf(p.view.progress));
    }
    case 'RunCompleted':
      return endRun(p, 'completed', event.data.at, event.data.counts);
    case 'RunFailed': {
      const stopped = withDeletePhase(p, event.data.run, (phase) => phase && phase.status === 'deleting' ? { ...phase, status: 'stopped' } : phase);
      return endRun(stopped, 'failed', event.data.at, { ...event.data.counts, ...pickMax(countsOf(p.view.progress), event.data.counts) }, event.data.error);
    }
    case 'BucketRegionCorrected': {
      const { job_id: _j, run: _r, ...correction } = event.data;
      const others = (p.view.bucket_regions ?? []).filter((b) => b.side !== correction.side || b.bucket !== correction.bucket);
      return { ...p, view: { ...p.view, bucket_regions: [...others, correction] } };
    }
    case 'ReportWritten':
    case 'ReportFailed': {
      const { run } = event.data;
      const report = event.type === 'ReportWritten' ? { report_location: event.data.location } : { report_error: event.data.error };
      const runs = p.view.runs.map((r) => (r.run === run ? { ...r, ...report } : r));
      const current = event.type === 'ReportWritten' && run === p.view.run ? { report_location: event.data.location } : {};
      return { ...p, view: { ...p.view, runs, ...current } };
    }
    case 'TlsVerificationDisabled':
      // The view shows it as destination_insecure_skip_verify / source_insecure_skip_verify, from the definition.
      return p;
    case 'JobDeleted':
      return undefined;
    case 'DeletionPlanned': {
      const { job_id: _j, run, at: _a, ...count } = event.data;
      return withDeletePhase(p, run, () => ({ status: 'deleting', ...count }));
    }
    case 'ObjectsDeleted': {
      if (event.data.run !== p.view.run || !isActive(p.view.status)) return p;
      const progress = { ...p.view.progress };
      progress.deleted_objects = (progress.deleted_objects ?? 0) + event.data.objects.length;
      progress.deleted_bytes = (progress.deleted_bytes ?? 0) + event.data.objects.reduce((sum, o) => sum + o.size, 0);
      return { ...p, view: { ...p.view, progress } };
    }
    case 'DeletionCompleted': {
      const { run, deleted_objects, deleted_bytes, note } = event.data;
      const next = withDeletePhase(p, run, (phase) => phase && { ...phase, status: 'completed', ...(note === undefined ? {} : { note }) });
      if (run !== p.view.run) return next;
      return { ...next, view: { ...next.view, progress: { ...next.view.progress, deleted_objects, deleted_bytes } } };
    }
    default: {
      const exhaustive: never = event;
      throw new Error(`unhandled event ${(exhaustive as JobEvent).type}`);
    }
  }
}

/** The view's run settings as the definition now has them: one no longer set is absent, not stale. */
function withRunSettings(view: JobView, definition: StoredJobDefinition): JobView {
  const { concurrency: _c, rate_limit_bytes_per_sec: _r, priority: _p, ...rest } = view;
  const settings: JobChanges = {};
  for (const key of CHANGEABLE_SETTINGS) if (definition[key] !== undefined) settings[key] = definition[key];
  return { ...rest, ...settings } as JobView;
}

const fired = (scheduledFor: string | undefined): Partial<JobView> => (scheduledFor === undefined ? {} : { last_fire_time: scheduledFor });

function withoutQueue(view: JobView): JobView {
  const { queued: _q, queued_at: _a, queue_position: _p, ...rest } = view;
  return rest as JobView;
}

/** A fatal RunFailed carries no per-object counts; keep what the projection had counted. */
function pickMax(a: RunCounts, b: RunCounts): RunCounts {
  const out = { ...b };
  // A verify run's classes are in the projection's counts only.
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof RunCounts>);
  for (const key of keys) out[key] = Math.max(a[key] ?? 0, b[key] ?? 0);
  return out;
}

/**
 * A run's outcome detail was purged: its counts come from the summary from now on. They equal what
 * the projection had counted when the run ended, so folding a trimmed log gives the same view.
 */
function applyCompaction(p: JobProjection, event: OutcomesCompacted, seq: number): JobProjection {
  const { run, counts } = event.data;
  const runs = p.view.runs.map((r) => (r.run === run ? { ...r, counts, outcomes_compacted: true } : r));
  const current = p.view.run === run && !isActive(p.view.status);
  const progress = current ? { ...p.view.progress, ...counts } : p.view.progress;
  // The ended run's failures since its last checkpoint were held for its compaction, which has them now.
  return { ...p, ...(current ? { unkept: undefined } : {}), view: { ...p.view, runs, progress, updated_seq: seq } };
}

/**
 * A running run's outcome batches up to the checkpoint were (or are about to be) purged: its outcome
 * counts and completion bitmap become the checkpoint's. No batch of the job lies between the batches it
 * covers and the checkpoint, so live and replayed folds are at the same point when they reach it. A
 * checkpoint of a run no longer current changes nothing: the run's end carries its counts.
 */
function applyCheckpoint(p: JobProjection, event: OutcomesCheckpointed, seq: number): JobProjection {
  const { run, counts, done, rate, current_rate_bytes_sec, estimated_completion, through_seq } = event.data;
  if (run !== p.view.run || !isActive(p.view.status)) return p;
  const { estimated_completion: _e, ...before } = p.view.progress;
  const progress: Progress = { ...before, ...counts, current_rate_bytes_sec, ...(estimated_completion === undefined ? {} : { estimated_completion }) };
  const doneSet = OrdinalSet.fromData(done);
  const checkpoint: CheckpointMark = { run, seq, objects: doneSet.size };
  return { ...p, done: doneSet, rate: rate.map(([s, b]) => [s, b]), checkpoint, unkept: unkeptAfterCheckpoint(p.unkept, through_seq), view: { ...p.view, progress, updated_seq: seq } };
}

/**
 * A checkpoint of the current run kept failures or retried attempts: its compaction must read the kept
 * sets. Folded from the sets themselves, as the batches they came from may be purged before a rebuild.
 */
function noteFailuresKept(p: JobProjection, event: FailuresKept): JobProjection {
  const { run, failed, retries } = event.data;
  if (!p.unkept || p.unkept.keptBefore || run !== p.view.run || (failed.length === 0 && retries.length === 0)) return p;
  return { ...p, unkept: { ...p.unkept, keptBefore: true } };
}

const OUTCOME_COUNT_KEYS = [
  'completed_objects',
  'completed_bytes',
  'skipped_objects',
  'skipped_bytes',
  'failed_objects',
  'failed_bytes',
  'matched_objects',
  'missing_objects',
  'differing_objects',
  'extra_objects',
  'versions_copied',
  'delete_markers_copied',
] as const satisfies ReadonlyArray<keyof OutcomeCounts>;

/**
 * The checkpoint of the job's current run as folded so far, covering its outcome batches up to
 * `throughSeq` (the last one folded); undefined when no run is active.
 */
export function checkpointOf(p: JobProjection, throughSeq: number, at: string): OutcomesCheckpointed | undefined {
  if (!isActive(p.view.status)) return undefined;
  const counts = {} as OutcomeCounts;
  for (const key of OUTCOME_COUNT_KEYS) if (p.view.progress[key] !== undefined) counts[key] = p.view.progress[key];
  const { current_rate_bytes_sec, estimated_completion } = p.view.progress;
  const rate = p.rate.map(([s, b]): [number, number] => [s, b]);
  const measured = { current_rate_bytes_sec, ...(estimated_completion === undefined ? {} : { estimated_completion }) };
  return { type: 'OutcomesCheckpointed', data: { job_id: p.view.job_id, run: p.view.run, counts, done: p.done.toData(), rate, ...measured, through_seq: throughSeq, at } };
}

/** Folds one event (at stream sequence `seq`) into the job's projection. undefined means the job does not exist. */
export function project(p: JobProjection | undefined, event: FerryEvent, seq: number): JobProjection | undefined {
  if (event.type === 'ObjectsProcessed') return p ? applyOutcomes(p, event, seq) : undefined;
  if (event.type === 'FailuresKept') return p ? noteFailuresKept(p, event) : undefined;
  if (event.type === 'FailuresRecorded') return p;
  if (event.type === 'OutcomesCompacted') return p ? applyCompaction(p, event, seq) : undefined;
  if (event.type === 'OutcomesCheckpointed') return p ? applyCheckpoint(p, event, seq) : undefined;
  const next = applyJobEvent(p, event);
  if (!next) return undefined;
  const span = followRunSpan(next === p ? p.span : next.span, event, seq);
  if (next === p) return span === p.span ? p : { ...p, span };
  return { ...next, span, view: { ...next.view, updated_seq: seq } };
}
