import type { NatsConnection } from 'nats';
import { milestoneOf, type FerryEvent } from '../../libs/domain/index.js';
import { JobEventStore, ReadModel, STREAMS, blockMarkerJob, decodeJson, isBlockMarker, publishBlockMarker } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { BlockMarking } from './blockMarking.js';
import { startLogReader, type LogMessage } from './logReader.js';
import { ProjectorState } from './projectorState.js';
import { Reconciler } from './reconciler.js';
import { SnapshotStore } from './snapshots.js';
import { ViewWriter } from './viewWriter.js';

const FLUSH_INTERVAL_MS = 100;
const SNAPSHOT_INTERVAL_MS = 10_000;
const RECONCILE_INTERVAL_MS = 5_000;

export interface ProjectorOptions {
  nc: NatsConnection;
  log: Logger;
  /** Drop the read model and snapshot, and fold the whole log again from sequence 1. */
  rebuild?: boolean;
  /** Outcomes since a running run's last checkpoint that trigger the next one (ferry.events.checkpoint_outcomes); 0: never. */
  checkpointOutcomes?: number;
}

export interface RunningProjector {
  state: ProjectorState;
  /** Resolves once every event up to `seq` is folded and flushed to the read model. */
  waitFor(seq: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Folds the events stream, in stream order, into the read model. Job state is a
 * pure function of the log: the KV entries are outputs only, rewritten whole from
 * memory, and a restart resumes from the last snapshot's sequence.
 */
export async function startProjector({ nc, log, rebuild = false, checkpointOutcomes = 0 }: ProjectorOptions): Promise<RunningProjector> {
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const readModel = await ReadModel.open(nc);
  const snapshots = await SnapshotStore.open(nc);
  const state = await resumedState(readModel, snapshots, log, rebuild);
  // The log's end when we start: reaching it is the "caught up" lifecycle line operators (and the rebuild test) wait for.
  const catchUpSeq = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  log.info({ from_seq: state.seq + 1, to_seq: catchUpSeq, jobs: state.jobs.size }, 'projector starting');

  // The reconciler's decisions read the job's log only where its own fold (below) cannot keep them current.
  const store = await JobEventStore.open(nc);
  store.startFollowing();
  const reconciler: Reconciler = new Reconciler(nc, js, jsm, store, log, (): boolean => writer.caughtUp, {
    everyObjects: checkpointOutcomes,
    projection: (jobId) => state.jobs.get(jobId),
    lastOutcomeSeq: (jobId) => state.lastOutcomeSeq.get(jobId),
    blockMarkersBelow: (jobId, seq) => state.blockMarkersBelow(jobId, seq),
    forgetBlockMarkersBelow: (jobId, seq) => state.forgetBlockMarkersBelow(jobId, seq),
  });
  const writer: ViewWriter = new ViewWriter(state, readModel, reconciler, log, catchUpSeq);
  await writer.markAllForRewrite();
  const marking = new BlockMarking((jobId, atSeq) => publishBlockMarker(js, jobId, atSeq), () => writer.caughtUp, log);
  const reader = startLogReader({ js, jsm, log, foldedSeq: () => state.seq, fold: (message) => fold(state, writer, marking, store, message) });
  const timers = startTimers(state, writer, reconciler, snapshots, log);

  return {
    state,
    waitFor: (seq) => writer.waitFor(seq),
    async stop() {
      timers.stop();
      await reader.stop();
      await writer.close();
      await snapshots.save(state).catch((err: unknown) => log.warn({ err: String(err) }, 'snapshot at stop failed; the next start folds from the previous one'));
    },
  };
}

/** The state to resume from: the latest snapshot, or nothing (sequence 0) when rebuilding or when it cannot be read. */
async function resumedState(readModel: ReadModel, snapshots: SnapshotStore, log: Logger, rebuild: boolean): Promise<ProjectorState> {
  if (rebuild) {
    await snapshots.drop();
    for (const view of await readModel.all()) await readModel.remove(view.job_id);
    log.info('read model dropped; rebuilding from sequence 1');
    return new ProjectorState();
  }
  const snapshot = await snapshots.load().catch((err: unknown) => {
    log.warn({ err: String(err) }, 'snapshot unreadable; folding from sequence 1');
    return undefined;
  });
  return snapshot ?? new ProjectorState();
}

/** Folds one message; copiers, listers, the reconciler and watchers act on milestones, so those are written at once. */
function fold(state: ProjectorState, writer: ViewWriter, marking: BlockMarking, store: JobEventStore, { subject, data, seq }: LogMessage): void {
  if (isBlockMarker(subject)) {
    state.blockMarkerFolded(blockMarkerJob(subject), seq);
    return;
  }
  const event = decodeJson<FerryEvent>(data);
  store.follow(subject, seq, event);
  const before = state.jobs.get(event.data.job_id)?.view;
  const jobId = state.apply(event, seq);
  if (jobId === undefined) return;
  if (!state.jobs.has(jobId)) marking.forget(jobId);
  else if (event.type === 'ObjectsProcessed') marking.outcomesFolded(jobId, data.length, seq);
  writer.changed(jobId);
  if (writer.caughtUp && milestoneOf(state.jobs.get(jobId)?.view) !== milestoneOf(before)) writer.flushSoon();
}

/** Flushes views, retries the reconciler's actions (a broker mid-election) and saves snapshots, each on its own interval. */
function startTimers(state: ProjectorState, writer: ViewWriter, reconciler: Reconciler, snapshots: SnapshotStore, log: Logger): { stop(): void } {
  const flush = setInterval(() => writer.tick(), FLUSH_INTERVAL_MS);
  const reconcile = setInterval(() => {
    for (const { view } of state.jobs.values()) if (Reconciler.needsAttention(view)) reconciler.reconcile(view);
  }, RECONCILE_INTERVAL_MS);
  let snapshotSeq = state.seq;
  const snapshot = setInterval(() => {
    const at = writer.flushedSeq;
    if (at === snapshotSeq) return;
    snapshots
      .save(state)
      .then(() => (snapshotSeq = at))
      .catch((err: unknown) => log.warn({ err }, 'snapshot failed'));
  }, SNAPSHOT_INTERVAL_MS);
  return {
    stop() {
      for (const timer of [flush, reconcile, snapshot]) clearInterval(timer);
    },
  };
}
