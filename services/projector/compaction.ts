import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import {
  RETRIES_KEPT,
  isActive,
  keptOf,
  runSpan,
  withKeptFailures,
  type FailedObject,
  type JobError,
  type JobProjection,
  type RunSpan,
  type FailuresRecorded,
  type JobView,
  type OutcomesCompacted,
  type RunSummary,
} from '../../libs/domain/index.js';
import {
  JS_ERR,
  STREAMS,
  collectRunFailures,
  unlessJetStreamError,
  encodeJson,
  forEachOutcomeBatch,
  publishDurably,
  purgeOutcomesBelow,
  readFailureSummary,
  readKeptFailures,
  subjects,
  type JobEventStore,
} from '../../libs/nats/index.js';

/** Failures per FailuresRecorded message: about 200 bytes each keeps a part far below NATS's 1 MB payload limit. */
export const FAILURES_PER_PART = 2_000;

/**
 * The oldest ended run of the view whose outcome detail is still in the log, if every run before it
 * was compacted. Runs are compacted in order because a purge removes every outcome batch older than
 * the run's end, which includes the batches of any earlier run.
 */
export function nextRunToCompact(view: JobView): RunSummary | undefined {
  for (const run of view.runs) {
    if (run.outcomes_compacted) continue;
    if (isActive(run.status) || (run.run === view.run && isActive(view.status))) return undefined;
    return run;
  }
  return undefined;
}

/**
 * Bounded retention of per-object detail. Once a run has ended its counts are final (the view has
 * them), so its outcome batches are replaced by a summary: the final failures and the latest retried
 * attempts (FailuresRecorded, in parts), then the batches are purged, then OutcomesCompacted marks it
 * done with the counts a replay folds instead. Each step is idempotent, so a crash anywhere is redone.
 */
export interface CompactionDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: JobEventStore;
  /** The job's projection as folded so far. */
  projection(jobId: string): JobProjection | undefined;
  /** The job's block markers below a sequence, as folded, and forgetting them once deleted. */
  blockMarkersBelow(jobId: string, seq: number): number[];
  forgetBlockMarkersBelow(jobId: string, seq: number): void;
}

export async function compactRun(deps: CompactionDeps, jobId: string, run: RunSummary): Promise<{ failed: number; purged: number; failures_from: 'summary' | 'projection' | 'batches' } | undefined> {
  const { span, nextRunStart } = await spansOf(deps, jobId, run.run);
  if (!span || span.endSeq === undefined) return undefined;
  const at = new Date().toISOString();
  // An interrupted compaction's summary follows the run's end: what lies before it on the subject need not be read.
  let recorded = await readFailureSummary(deps.nc, jobId, run.run, span.endSeq + 1);
  let failuresFrom: 'summary' | 'projection' | 'batches' = 'summary';
  if (!recorded) {
    const final = await finalFailures(deps, jobId, span);
    failuresFrom = final.from;
    const { failed, retried: retries } = final;
    const parts = Math.max(1, Math.ceil(failed.length / FAILURES_PER_PART));
    recorded = [];
    for (let part = 0; part < parts; part++) {
      const data: FailuresRecorded['data'] = {
        job_id: jobId,
        run: run.run,
        part,
        parts,
        failed: failed.slice(part * FAILURES_PER_PART, (part + 1) * FAILURES_PER_PART),
        retries: part === 0 ? retries : [],
        at,
      };
      const event: FailuresRecorded = { type: 'FailuresRecorded', data };
      await publishDurably(deps.js, subjects.summary(jobId), encodeJson(event), { msgID: `${jobId}:${run.run}:failures:${part}` });
      recorded.push(data);
    }
  }
  // Outcome batches are only ever published after their run's RunStarted, so everything on the
  // subject below the run's end belongs to this run or an earlier, already compacted one.
  let purged = await purgeOutcomesBelow(deps.jsm, jobId, span.endSeq, deps.blockMarkersBelow(jobId, span.endSeq));
  deps.forgetBlockMarkersBelow(jobId, span.endSeq);
  // Copiers still busy when the run ended publish a few batches after it (at most one per copy in
  // flight); they are removed one by one, up to where the next run's batches can begin.
  purged += await deleteLateBatches(deps, jobId, run.run, span.endSeq + 1, nextRunStart ?? Number.MAX_SAFE_INTEGER);
  const compacted: OutcomesCompacted = { type: 'OutcomesCompacted', data: { job_id: jobId, run: run.run, counts: run.counts, through_seq: span.endSeq, at } };
  await publishDurably(deps.js, subjects.summary(jobId), encodeJson(compacted), { msgID: `${jobId}:${run.run}:compacted` });
  return { failed: recorded.reduce((n, p) => n + p.failed.length, 0), purged, failures_from: failuresFrom };
}

/**
 * Deletes the outcome batches of `run` or an earlier run in [fromSeq, toSeq]: published after the run ended
 * by copies that were in flight. The compaction deletes those already in the log; the reconciler deletes
 * those folded after it (lateBatchSweep). A batch deleted already is gone (messageDeleteFailed).
 */
export async function deleteLateBatches(deps: Pick<CompactionDeps, 'nc' | 'jsm'>, jobId: string, run: number, fromSeq: number, toSeq: number): Promise<number> {
  const late: number[] = [];
  await forEachOutcomeBatch(deps.nc, jobId, fromSeq, toSeq, (seq, event) => {
    if (event.data.run <= run) late.push(seq);
  });
  let deleted = 0;
  for (const seq of late) if (await unlessJetStreamError(deps.jsm.streams.deleteMessage(STREAMS.events, seq, false), JS_ERR.messageDeleteFailed)) deleted++;
  return deleted;
}

/**
 * The batches to delete of the job's latest run, once it is compacted, when the projector has folded an
 * outcome batch after the run's end (`lastOutcomeSeq`): a copy in flight when the run ended may publish
 * its batch after the compaction, which would otherwise stay until the next run's compaction.
 */
export function lateBatchSweep(p: JobProjection | undefined, lastOutcomeSeq: number | undefined): { run: number; fromSeq: number; toSeq: number } | undefined {
  const span = p?.span;
  if (!p || !span || span.endSeq === undefined || span.run !== p.view.run || lastOutcomeSeq === undefined || lastOutcomeSeq <= span.endSeq) return undefined;
  const compacted = p.view.runs.find((r) => r.run === span.run)?.outcomes_compacted === true;
  return compacted && !isActive(p.view.status) ? { run: span.run, fromSeq: span.endSeq + 1, toSeq: lastOutcomeSeq } : undefined;
}

/**
 * Where the run's outcomes lie, and where the next run's begin: from the projection when the run is the
 * job's latest (no next run yet), else from the job's log read from its first event (at a billion objects
 * that is a million ListingCheckpointed, read with every 8 MB block of the events stream they lie in).
 */
async function spansOf(deps: CompactionDeps, jobId: string, run: number): Promise<{ span: RunSpan | undefined; nextRunStart: number | undefined }> {
  const folded = deps.projection(jobId)?.span;
  if (folded?.run === run && folded.endSeq !== undefined) return { span: folded, nextRunStart: undefined };
  const events = await deps.store.read(jobId);
  return { span: runSpan(events, run), nextRunStart: runSpan(events, run + 1)?.fromSeq };
}

/**
 * The ended run's final failures and latest retried attempts: those kept with its latest checkpoint and
 * those the projection holds since, when it holds them (it folded the run since that checkpoint); else
 * read back from the batches after it.
 */
async function finalFailures(deps: CompactionDeps, jobId: string, span: RunSpan): Promise<{ failed: FailedObject[]; retried: JobError[]; from: 'projection' | 'batches' }> {
  const p = deps.projection(jobId);
  const unkept = p?.view.run === span.run ? p.unkept : undefined;
  if (!unkept) return { ...(await collectRunFailures(deps.nc, jobId, span, RETRIES_KEPT)), from: 'batches' };
  const recent = keptOf(unkept);
  // A run whose checkpoints kept nothing has no kept set to read (each would load another block of the stream).
  const all = unkept.afterSeq === 0 || !unkept.keptBefore ? recent : withKeptFailures(await readKeptFailures(deps.nc, jobId, span.run, unkept.afterSeq), recent, RETRIES_KEPT);
  return { ...all, from: 'projection' };
}
