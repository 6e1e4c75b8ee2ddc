import type { JobCommand } from './commands.js';
import type { JobChanges } from './jobChanges.js';
import { emptyCounts, type BucketSide, type JobEvent, type RunCounts } from './events.js';
import { DEFAULT_PRIORITY, type JobStatus, type StoredJobDefinition } from './jobDefinition.js';
import { FerryError, invalidField, jobAlreadyExists, jobNotFound, transitionRefused } from './errors.js';
import { isFinished } from './scheduling.js';
import type { RunKind } from './verifyMode.js';
import { judgeDeletion, mirrors, type DeletionCount } from './mirror.js';
import { rangesFromBoundaries, withRangeCount, type ListingRange } from './listingRanges.js';

export interface ListingProgress {
  complete: boolean;
  listed_objects: number;
  listed_bytes: number;
  /** The last key published; listing resumes after it. */
  start_after: string;
  /** A run reading a manifest: the rows read so far; it resumes after them. */
  manifest_rows?: number;
  /** A split run (ListingSplit): its ranges, each listed and checkpointed on its own; the counts above are their sums. */
  ranges?: ListingRange[];
}

/** Everything a command needs to be decided, folded from the job's own subject. */
export interface JobState {
  exists: boolean;
  job_id: string;
  status: JobStatus;
  definition?: StoredJobDefinition;
  created_at?: string;
  run: number;
  /** When the current (or last) run started (RunStarted). */
  run_started_at?: string;
  /** Set while the current run is a retry-failed run over the failures of this earlier run. */
  retry_of?: number;
  /** Set when the current (or last) run is a verify run. */
  run_kind?: Exclude<RunKind, 'copy'>;
  /** Set while a start waits for a max_concurrent_jobs slot (status pending). */
  queued?: { run: number; priority: number; requested_at: string; retry_of?: number; scheduled_for?: string };
  listing: ListingProgress;
  /** The latest schedule firing decided (started, queued or skipped); older or equal firings decide to nothing. */
  last_fire_time?: string;
  /** A mirror run's delete phase, once its counting pass was recorded (DeletionPlanned). */
  deletion?: DeletionProgress;
  /** The latest run whose completion report was recorded (ReportWritten or ReportFailed); reports are recorded in run order. */
  last_reported_run?: number;
  /** Regions recorded by BucketRegionCorrected, by bucketRegionKey(side, bucket). */
  bucket_regions?: Readonly<Record<string, string>>;
}

export interface DeletionProgress {
  planned: DeletionCount;
  /** Batches recorded (ObjectsDeleted); the next one must carry this number. */
  batches: number;
  deleted_objects: number;
  deleted_bytes: number;
  /** The last key deleted: the delete pass resumes after it. */
  start_after: string;
  complete: boolean;
}

export const bucketRegionKey = (side: BucketSide, bucket: string): string => `${side}/${bucket}`;

export const initialJobState = (jobId: string): JobState => ({
  exists: false,
  job_id: jobId,
  status: 'pending',
  run: 0,
  listing: { complete: false, listed_objects: 0, listed_bytes: 0, start_after: '' },
});

const ACTIVE: ReadonlySet<JobStatus> = new Set(['running', 'paused']);
const RESTARTABLE: ReadonlySet<JobStatus> = new Set(['pending', 'completed', 'failed', 'cancelled']);
const CANCELLABLE: ReadonlySet<JobStatus> = new Set(['pending', 'running', 'paused']);

export function isActive(status: JobStatus): boolean {
  return ACTIVE.has(status);
}

function isCurrentRun(state: JobState, run: number): boolean {
  return ACTIVE.has(state.status) && state.run === run;
}

const objects = (n: number): string => `${n} object${n === 1 ? '' : 's'}`;

/**
 * Ends a run as the spec's state machine says: completed only when nothing failed. A verify run also
 * fails when it found the destination different (like `rclone check`'s exit status), naming each class.
 */
function runEnding(jobId: string, run: number, counts: RunCounts, at: string): JobEvent {
  const found = [
    counts.missing_objects ? `${counts.missing_objects} missing` : '',
    counts.differing_objects ? `${counts.differing_objects} differing` : '',
    counts.extra_objects ? `${counts.extra_objects} extra` : '',
  ].filter((s) => s !== '');
  const failed = counts.failed_objects > 0 ? `${objects(counts.failed_objects)} failed` : '';
  if (found.length > 0) {
    const error = `verify found differences: ${found.join(', ')}${failed ? `; ${failed}` : ''}`;
    return { type: 'RunFailed', data: { job_id: jobId, run, error, counts, at } };
  }
  if (failed) return { type: 'RunFailed', data: { job_id: jobId, run, error: failed, counts, at } };
  return { type: 'RunCompleted', data: { job_id: jobId, run, counts, at } };
}

/**
 * retry-failed copies a copy run's failed objects again; a verify run's findings are repaired by a start.
 * A `versions: all` job's failures are versions, in an order a retry of failures alone would not keep:
 * a start lists the key's versions again instead.
 */
function refuseRetryOfVerify(state: JobState): void {
  if (state.definition?.versions === 'all') {
    throw new FerryError('FAILED_PRECONDITION', `cannot retry-failed run ${state.run} of a versions: all job: a key's versions are written in order, so start the job to list them again`, [
      { field: 'versions', reason: 'retry-failed copies failures alone, out of their order' },
    ]);
  }
  if (state.run_kind === 'verify') {
    throw new FerryError('FAILED_PRECONDITION', `cannot retry-failed run ${state.run}: it was a verify run; start the job to copy what it found missing or differing`, [
      { field: 'status', reason: 'last run was a verify run' },
    ]);
  }
}

/** A TlsVerificationDisabled for each side whose certificate the job's copies do not check. */
function tlsWarnings(definition: StoredJobDefinition, at: string): JobEvent[] {
  const job_id = definition.job_id;
  const warnings: JobEvent[] = [];
  if (definition.source_insecure_skip_verify) warnings.push({ type: 'TlsVerificationDisabled', data: { job_id, side: 'source', at } });
  if (definition.destination_insecure_skip_verify && definition.destination_endpoint !== undefined) {
    warnings.push({ type: 'TlsVerificationDisabled', data: { job_id, side: 'destination', endpoint: definition.destination_endpoint, at } });
  }
  return warnings;
}

/**
 * Decides a command against the job's state. User commands that the state machine
 * refuses throw a FerryError; internal commands from lister and supervisor that
 * arrive late (the run already ended) decide to nothing, so they are safe to repeat.
 */
export function decide(command: JobCommand, state: JobState): JobEvent[] {
  const at = command.metadata.now;
  const by = command.metadata.actor === undefined ? {} : { actor: command.metadata.actor };
  if (command.type === 'CreateJob') {
    if (state.exists) throw jobAlreadyExists(state.job_id);
    const { definition } = command.data;
    return [{ type: 'JobCreated', data: { job_id: state.job_id, definition, at, ...by } }, ...tlsWarnings(definition, at)];
  }
  if (!state.exists) throw jobNotFound(state.job_id);
  const job_id = state.job_id;

  switch (command.type) {
    case 'StartJob':
      if (!RESTARTABLE.has(state.status)) throw transitionRefused('start', state.status);
      return [{ type: 'RunStarted', data: { job_id, run: state.run + 1, at, ...by } }];
    case 'RetryFailed':
      if (state.status !== 'failed') throw transitionRefused('retry-failed', state.status);
      refuseRetryOfVerify(state);
      return [{ type: 'RunStarted', data: { job_id, run: state.run + 1, at, retry_of: state.run, ...by } }];
    case 'VerifyJob':
      // A verify run holds no max_concurrent_jobs slot (it copies nothing), and never runs beside a copy run.
      if (state.queued) throw transitionRefused('verify', 'pending (queued): a copy run is waiting to start');
      if (ACTIVE.has(state.status)) throw transitionRefused('verify', `${state.status}: wait for run ${state.run} to end or cancel it`);
      if (state.definition?.manifest !== undefined) {
        throw new FerryError('FAILED_PRECONDITION', 'cannot verify a job that reads a manifest: a verify run compares listings of the source and destination', [
          { field: 'manifest', reason: 'verify runs list; manifest jobs do not' },
        ]);
      }
      return [{ type: 'RunStarted', data: { job_id, run: state.run + 1, at, kind: 'verify', ...by } }];
    case 'QueueRun': {
      const retry = command.data.retry_failed === true;
      const action = retry ? 'retry-failed' : 'start';
      if (state.queued) throw transitionRefused(action, 'pending (queued)');
      if (retry ? state.status !== 'failed' : !RESTARTABLE.has(state.status)) throw transitionRefused(action, state.status);
      if (retry) refuseRetryOfVerify(state);
      const priority = state.definition?.priority ?? DEFAULT_PRIORITY;
      return [{ type: 'RunQueued', data: { job_id, run: state.run + 1, priority, at, ...(retry ? { retry_of: state.run } : {}), ...by } }];
    }
    case 'AdmitRun':
      // Late or repeated admissions (cancelled, deleted, already started) decide to nothing.
      if (state.queued?.run !== command.data.run) return [];
      // A run queued by a schedule firing says so when it starts, as one started at the firing does.
      const { retry_of, scheduled_for } = state.queued;
      return [{ type: 'RunStarted', data: { job_id, run: command.data.run, at, ...(retry_of === undefined ? {} : { retry_of }), ...(scheduled_for === undefined ? {} : { scheduled_for }) } }];
    case 'FireSchedule': {
      const { fire_time, queue } = command.data;
      if (!state.definition?.schedule) return [];
      if (state.last_fire_time !== undefined && Date.parse(fire_time) <= Date.parse(state.last_fire_time)) return [];
      if (ACTIVE.has(state.status) || state.queued) return [{ type: 'ScheduledRunSkipped', data: { job_id, run: state.run, fire_time, at } }];
      const run = state.run + 1;
      if (queue) {
        const priority = state.definition.priority ?? DEFAULT_PRIORITY;
        return [{ type: 'RunQueued', data: { job_id, run, priority, at, scheduled_for: fire_time } }];
      }
      return [{ type: 'RunStarted', data: { job_id, run, at, scheduled_for: fire_time } }];
    }
    case 'ExpireJob':
      if (!isFinished(state.status) || state.queued) return [];
      return [{ type: 'JobDeleted', data: { job_id, at } }];
    case 'PauseJob':
      if (state.status !== 'running') throw transitionRefused('pause', state.status);
      return [{ type: 'JobPaused', data: { job_id, run: state.run, at, ...by } }];
    case 'UpdateJob':
      if (command.data.changes.rate_limit_bytes_per_sec !== undefined && state.definition?.rate_limit_schedule) {
        throw invalidField('rate_limit_bytes_per_sec', "this job's rate follows its rate_limit_schedule");
      }
      return [{ type: 'JobUpdated', data: { job_id, run: state.run, changes: command.data.changes, at, ...by } }];
    case 'ResumeJob':
      if (state.status !== 'paused') throw transitionRefused('resume', state.status);
      return [{ type: 'JobResumed', data: { job_id, run: state.run, at, ...by } }];
    case 'CancelJob':
      if (!CANCELLABLE.has(state.status)) throw transitionRefused('cancel', state.status);
      return [{ type: 'JobCancelled', data: { job_id, run: state.run, at, ...by } }];
    case 'DeleteJob':
      if (ACTIVE.has(state.status)) throw transitionRefused('delete', `${state.status} (cancel it first)`);
      return [{ type: 'JobDeleted', data: { job_id, at, ...by } }];
    case 'SplitListing': {
      const { run, boundaries } = command.data;
      const { listing } = state;
      const begun = listing.ranges !== undefined || listing.listed_objects > 0 || listing.start_after !== '' || listing.manifest_rows !== undefined;
      if (!isCurrentRun(state, run) || listing.complete || begun || boundaries.length === 0) return [];
      return [{ type: 'ListingSplit', data: { job_id, run, boundaries: [...boundaries], at } }];
    }
    case 'RecordListingCheckpoint': {
      const { run, listed_objects, listed_bytes, start_after, manifest_rows, range } = command.data;
      if (!isCurrentRun(state, run) || state.listing.complete) return [];
      if (range !== undefined) {
        const ranges = state.listing.ranges;
        const current = ranges?.[range];
        if (ranges === undefined || current === undefined || current.complete || listed_objects <= current.listed_objects) return [];
        const count = { index: range, listed_objects, listed_bytes };
        const run_listed = withRangeCount(ranges, count, {});
        return [{ type: 'ListingCheckpointed', data: { job_id, run, listed_objects: run_listed.listed_objects, listed_bytes: run_listed.listed_bytes, start_after, range: count, at } }];
      }
      if (state.listing.ranges !== undefined || listed_objects <= state.listing.listed_objects) return [];
      const rows = manifest_rows === undefined ? {} : { manifest_rows };
      return [{ type: 'ListingCheckpointed', data: { job_id, run, listed_objects, listed_bytes, start_after, ...rows, at } }];
    }
    case 'CompleteListing': {
      const { run, total_objects, total_bytes, range } = command.data;
      if (!isCurrentRun(state, run) || state.listing.complete) return [];
      if (range !== undefined) {
        const ranges = state.listing.ranges;
        if (ranges?.[range] === undefined) return [];
        // Its ListingRangeCompleted is in the log but the ListingCompleted decided with it is not (the second append
        // lost a race or failed, and the decision was taken again): the listing's end is still owed.
        if (ranges[range].complete) {
          return ranges.every((r) => r.complete) ? [{ type: 'ListingCompleted', data: { job_id, run, total_objects: state.listing.listed_objects, total_bytes: state.listing.listed_bytes, at } }] : [];
        }
        const count = { index: range, listed_objects: total_objects, listed_bytes: total_bytes };
        const after = withRangeCount(ranges, count, { complete: true });
        const ended: JobEvent[] = [{ type: 'ListingRangeCompleted', data: { job_id, run, range: count, at } }];
        if (after.ranges.every((r) => r.complete)) ended.push({ type: 'ListingCompleted', data: { job_id, run, total_objects: after.listed_objects, total_bytes: after.listed_bytes, at } });
        return ended;
      }
      // A split run ends with its ranges, never as a whole.
      if (state.listing.ranges !== undefined) return [];
      return [{ type: 'ListingCompleted', data: { job_id, run, total_objects, total_bytes, at } }];
    }
    case 'FinishRun': {
      const { run, counts } = command.data;
      if (state.status !== 'running' || state.run !== run || !state.listing.complete) return [];
      // A mirror run ends only after its delete phase, with the deletions counted.
      if (mirrors(state.definition ?? {}, { retry_of: state.retry_of, kind: state.run_kind })) {
        if (!state.deletion?.complete) return [];
        return [runEnding(job_id, run, { ...counts, deleted_objects: state.deletion.deleted_objects, deleted_bytes: state.deletion.deleted_bytes }, at)];
      }
      return [runEnding(job_id, run, counts, at)];
    }
    case 'PlanDeletion': {
      const { job_id: _j, run, ...counted } = command.data;
      if (state.status !== 'running' || state.run !== run || !state.listing.complete || state.deletion?.complete || !mirrors(state.definition ?? {}, { retry_of: state.retry_of, kind: state.run_kind })) return [];
      // A plan already recorded stands (its verdict is finished if a crash split the append); a new count is recorded first.
      const count = state.deletion?.planned ?? counted;
      const planned: JobEvent[] = state.deletion ? [] : [{ type: 'DeletionPlanned', data: { job_id, run, ...count, at } }];
      const verdict = judgeDeletion(state.definition ?? {}, count);
      if (verdict.action === 'delete') return planned;
      if (verdict.action === 'skip') return [...planned, { type: 'DeletionCompleted', data: { job_id, run, deleted_objects: 0, deleted_bytes: 0, note: verdict.reason, at } }];
      const counts: RunCounts = { ...emptyCounts(), total_objects: state.listing.listed_objects, total_bytes: state.listing.listed_bytes };
      return [...planned, { type: 'RunFailed', data: { job_id, run, error: verdict.reason, counts, at, fatal: true } }];
    }
    case 'RecordDeletions': {
      const { run, batch, objects } = command.data;
      if (!isCurrentRun(state, run) || !state.deletion || state.deletion.complete || batch !== state.deletion.batches || objects.length === 0) return [];
      // Never a deletion under a plan whose verdict was not to delete.
      if (judgeDeletion(state.definition ?? {}, state.deletion.planned).action !== 'delete') return [];
      return [{ type: 'ObjectsDeleted', data: { job_id, run, batch, objects, at } }];
    }
    case 'CompleteDeletion': {
      const { run } = command.data;
      if (!isCurrentRun(state, run) || !state.deletion || state.deletion.complete) return [];
      const { deleted_objects, deleted_bytes } = state.deletion;
      return [{ type: 'DeletionCompleted', data: { job_id, run, deleted_objects, deleted_bytes, at } }];
    }
    case 'FailRun': {
      const { run, error } = command.data;
      if (!isCurrentRun(state, run)) return [];
      const counts: RunCounts = { ...emptyCounts(), total_objects: state.listing.listed_objects, total_bytes: state.listing.listed_bytes };
      return [{ type: 'RunFailed', data: { job_id, run, error, counts, at, fatal: true } }];
    }
    case 'RecordBucketRegion': {
      const { run, side, bucket, configured_region, region, reason } = command.data;
      if (!isCurrentRun(state, run)) return [];
      // Every copier of the job finds the same answer: only the first (or a change) is news.
      if ((state.bucket_regions?.[bucketRegionKey(side, bucket)] ?? configured_region) === region) return [];
      return [{ type: 'BucketRegionCorrected', data: { job_id, run, side, bucket, configured_region, region, reason, at } }];
    }
    case 'RecordReport': {
      const { run, run_status, location, rows, files, error } = command.data;
      // Only an ended run of this job, once: a repeated or late report task decides to nothing.
      if (run > state.run || isCurrentRun(state, run) || run <= (state.last_reported_run ?? 0)) return [];
      if (location !== undefined) return [{ type: 'ReportWritten', data: { job_id, run, run_status, location, rows: rows ?? 0, files: files ?? 0, at } }];
      return [{ type: 'ReportFailed', data: { job_id, run, run_status, error: error ?? 'report not written', at } }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unhandled command ${(exhaustive as JobCommand).type}`);
    }
  }
}

/** The definition with UpdateJob's changes; a rate of 0 removes the limit. */
export function withChanges(definition: StoredJobDefinition, changes: JobChanges): StoredJobDefinition {
  const { rate_limit_bytes_per_sec: rate, ...rest } = { ...definition, ...changes };
  return rate === undefined || rate === 0 ? rest : { ...rest, rate_limit_bytes_per_sec: rate };
}

const freshListing = (): ListingProgress => ({ complete: false, listed_objects: 0, listed_bytes: 0, start_after: '' });

export function evolve(state: JobState, event: JobEvent): JobState {
  switch (event.type) {
    case 'JobCreated':
      return {
        ...initialJobState(state.job_id),
        exists: true,
        definition: event.data.definition,
        created_at: event.data.at,
        // A re-created job id continues the run numbering so run numbers stay unique per subject.
        run: state.run,
        // The deleted job's runs are gone: none of them is reported now.
        ...(state.run > 0 ? { last_reported_run: state.run } : {}),
      };
    case 'RunQueued': {
      const { run, priority, at, retry_of } = event.data;
      const fired = event.data.scheduled_for === undefined ? {} : { last_fire_time: event.data.scheduled_for };
      const scheduled = event.data.scheduled_for === undefined ? {} : { scheduled_for: event.data.scheduled_for };
      return { ...state, ...fired, status: 'pending', queued: { run, priority, requested_at: at, ...(retry_of === undefined ? {} : { retry_of }), ...scheduled } };
    }
    case 'ScheduledRunSkipped':
      return { ...state, last_fire_time: event.data.fire_time };
    case 'RunStarted': {
      const { retry_of: _previous, queued: _queued, run_kind: _kind, deletion: _deletion, ...rest } = state;
      const fired = event.data.scheduled_for === undefined ? {} : { last_fire_time: event.data.scheduled_for };
      const kind = event.data.kind === 'verify' ? { run_kind: 'verify' as const } : {};
      const next: JobState = { ...rest, ...fired, ...kind, status: 'running', run: event.data.run, run_started_at: event.data.at, listing: freshListing() };
      return event.data.retry_of === undefined ? next : { ...next, retry_of: event.data.retry_of };
    }
    case 'ListingSplit':
      return { ...state, listing: { ...state.listing, ranges: rangesFromBoundaries(event.data.boundaries) } };
    case 'ListingCheckpointed': {
      const { range, listed_objects, listed_bytes, start_after, manifest_rows } = event.data;
      if (range !== undefined && state.listing.ranges !== undefined) {
        return { ...state, listing: { ...state.listing, ...withRangeCount(state.listing.ranges, range, { start_after }) } };
      }
      return {
        ...state,
        listing: { complete: false, listed_objects, listed_bytes, start_after, ...(manifest_rows === undefined ? {} : { manifest_rows }) },
      };
    }
    case 'ListingRangeCompleted':
      if (state.listing.ranges === undefined) return state;
      return { ...state, listing: { ...state.listing, ...withRangeCount(state.listing.ranges, event.data.range, { complete: true }) } };
    case 'ListingCompleted':
      return {
        ...state,
        listing: { ...state.listing, complete: true, listed_objects: event.data.total_objects, listed_bytes: event.data.total_bytes },
      };
    case 'JobPaused':
      return { ...state, status: 'paused' };
    case 'JobResumed':
      return { ...state, status: 'running' };
    case 'JobUpdated': {
      const { changes } = event.data;
      const definition = state.definition && withChanges(state.definition, changes);
      const queued = state.queued && changes.priority !== undefined ? { ...state.queued, priority: changes.priority } : state.queued;
      return { ...state, ...(definition ? { definition } : {}), ...(queued ? { queued } : {}) };
    }
    case 'JobCancelled': {
      const { queued: _queued, ...rest } = state;
      return { ...rest, status: 'cancelled' };
    }
    case 'RunCompleted':
      return { ...state, status: 'completed' };
    case 'RunFailed':
      return { ...state, status: 'failed' };
    case 'BucketRegionCorrected': {
      const { side, bucket, region } = event.data;
      return { ...state, bucket_regions: { ...state.bucket_regions, [bucketRegionKey(side, bucket)]: region } };
    }
    case 'ReportWritten':
    case 'ReportFailed':
      return { ...state, last_reported_run: Math.max(state.last_reported_run ?? 0, event.data.run) };
    case 'TlsVerificationDisabled':
      return state;
    case 'JobDeleted':
      return { ...initialJobState(state.job_id), run: state.run };
    case 'DeletionPlanned': {
      const { job_id: _j, run: _r, at: _a, ...planned } = event.data;
      return { ...state, deletion: { planned, batches: 0, deleted_objects: 0, deleted_bytes: 0, start_after: '', complete: false } };
    }
    case 'ObjectsDeleted': {
      if (!state.deletion) return state;
      const { objects } = event.data;
      const bytes = objects.reduce((sum, o) => sum + o.size, 0);
      const d = state.deletion;
      return {
        ...state,
        deletion: { ...d, batches: d.batches + 1, deleted_objects: d.deleted_objects + objects.length, deleted_bytes: d.deleted_bytes + bytes, start_after: objects[objects.length - 1]!.key },
      };
    }
    case 'DeletionCompleted':
      return state.deletion ? { ...state, deletion: { ...state.deletion, complete: true } } : state;
    default: {
      const exhaustive: never = event;
      throw new Error(`unhandled event ${(exhaustive as JobEvent).type}`);
    }
  }
}

export function foldJob(jobId: string, events: Iterable<JobEvent>): JobState {
  let state = initialJobState(jobId);
  for (const event of events) state = evolve(state, event);
  return state;
}
