import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { milestoneOf, viewAt, type FerryEvent, type JobView } from '../../libs/domain/index.js';
import { JobEventStore, ReadModel, STREAMS, decodeJson, settledWithin } from '../../libs/nats/index.js';
import type { Logger } from '../../libs/log/logger.js';
import { ProjectorState } from './projectorState.js';
import { Reconciler } from './reconciler.js';
import { SnapshotStore } from './snapshots.js';

const FLUSH_INTERVAL_MS = 100;
const SNAPSHOT_INTERVAL_MS = 10_000;
const RECONCILE_INTERVAL_MS = 5_000;
const STALL_CHECK_MS = 5_000;
const CONSUMER_OPEN_MS = 10_000;

export interface ProjectorOptions {
  nc: NatsConnection;
  log: Logger;
  /** Drop the read model and snapshot, and fold the whole log again from sequence 1. */
  rebuild?: boolean;
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
export async function startProjector({ nc, log, rebuild = false }: ProjectorOptions): Promise<RunningProjector> {
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const readModel = await ReadModel.open(nc);
  const snapshots = await SnapshotStore.open(nc);
  const store = await JobEventStore.open(nc);

  if (rebuild) {
    await snapshots.drop();
    for (const view of await readModel.all()) await readModel.remove(view.job_id);
    log.info('read model dropped; rebuilding from sequence 1');
  }
  const snapshot = rebuild
    ? undefined
    : await snapshots.load().catch((err) => {
        log.warn({ err: String(err) }, 'snapshot unreadable; folding from sequence 1');
        return undefined;
      });
  const state = snapshot ?? new ProjectorState();
  const startedAt = Date.now();
  // The log's end when we start: reaching it is the "caught up" lifecycle line operators (and the rebuild test) wait for.
  const catchUpSeq = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  let caughtUp = false;
  const reconciler = new Reconciler(nc, js, jsm, store, log, () => caughtUp);
  log.info({ from_seq: state.seq + 1, to_seq: catchUpSeq, jobs: state.jobs.size }, 'projector starting');

  // Views are outputs: rewrite every one from the state we resume from, and drop any the state no longer has,
  // so a crash between folding and flushing can never leave a stale entry behind.
  const dirty = new Set<string>(state.jobs.keys());
  for (const view of await readModel.all()) if (!state.jobs.has(view.job_id)) dirty.add(view.job_id);
  let flushedSeq = state.seq;
  let snapshotSeq = state.seq;
  const waiters: Array<{ seq: number; resolve: () => void }> = [];

  let stopped = false;
  let signalStop = () => {};
  const stopping = new Promise<void>((resolve) => (signalStop = resolve));
  let stalled = false;
  let messages: ConsumerMessages | undefined;
  const fold = (data: Uint8Array, seq: number) => {
    const event = decodeJson<FerryEvent>(data);
    const before = state.jobs.get(event.data.job_id)?.view;
    const jobId = state.apply(event, seq);
    if (jobId === undefined) return;
    dirty.add(jobId);
    // Copiers, listers, the reconciler and watchers act on milestones: write those at once, not on the next tick.
    if (caughtUp && milestoneOf(state.jobs.get(jobId)?.view) !== milestoneOf(before)) flushSoon();
  };
  // Reads the log from the next unfolded sequence; started again whenever the watchdog finds it stalled.
  // nats.js retries creating an ordered consumer for minutes (e.g. while a cluster's placement still
  // names a dead node), so one that is not open in time is left to finish in the background while
  // the log is read by plain gets; the loop then takes it up, or a newer one.
  let opening: Promise<ConsumerMessages> | undefined;
  const consuming = (async () => {
    while (!stopped) {
      try {
        if (stalled) {
          stalled = false;
          await readAheadByGet(jsm, state.seq, fold, () => stopped);
        }
        opening ??= openLogConsumer(js, state.seq + 1);
        const opened = await settledWithin(opening, CONSUMER_OPEN_MS, stopping);
        if (stopped) break;
        if (opened === undefined) {
          log.warn({ folded_seq: state.seq, waited_ms: CONSUMER_OPEN_MS }, 'log consumer not open yet; reading by get meanwhile');
          await readAheadByGet(jsm, state.seq, fold, () => stopped);
        } else {
          opening = undefined;
          messages = opened;
          for await (const msg of messages) fold(msg.data, msg.seq);
        }
      } catch (err) {
        opening = undefined;
        if (!stopped) log.warn({ err: String(err) }, 'reading the log failed; resuming');
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // A consumer still opening when the projector stops is closed once it opens.
    opening?.then((late) => late.stop()).catch(() => undefined);
  })();

  // An ordered consumer can stall for good when its stream's leader dies (nats.js 2.29 on a
  // 2.9 cluster): when the log has moved on but nothing was folded for a while, start reading again.
  let seenSeq = state.seq;
  const watchdog = setInterval(() => {
    if (state.seq !== seenSeq) {
      seenSeq = state.seq;
      return;
    }
    jsm.streams
      .info(STREAMS.events)
      .then((info) => {
        if (info.state.last_seq > state.seq && state.seq === seenSeq && messages) {
          log.warn({ folded_seq: state.seq, last_seq: info.state.last_seq }, 'log reading stalled; resuming');
          stalled = true;
          messages.stop();
        }
      })
      .catch(() => undefined);
  }, STALL_CHECK_MS);

  // Rate and ETA as last written per job: the tick rewrites an active run's view when they decayed since.
  const writtenRate = new Map<string, string>();
  const rateKey = (view: JobView) => `${view.progress.current_rate_bytes_sec}:${view.progress.estimated_completion ?? ''}`;
  function markDecayed(nowMs: number): void {
    for (const [jobId, projection] of state.jobs) {
      if (dirty.has(jobId) || !writtenRate.has(jobId)) continue;
      if (rateKey(viewAt(projection, nowMs)) !== writtenRate.get(jobId)) dirty.add(jobId);
    }
  }

  async function flush(): Promise<void> {
    const seq = state.seq;
    const jobs = [...dirty];
    dirty.clear();
    const now = Date.now();
    for (const [i, jobId] of jobs.entries()) {
      const projection = state.jobs.get(jobId);
      try {
        if (projection) {
          const view = viewAt(projection, now);
          await readModel.put(jobId, view);
          if (view.status === 'running' || view.status === 'paused') writtenRate.set(jobId, rateKey(view));
          else writtenRate.delete(jobId);
          reconciler.reconcile(projection.view);
        } else {
          writtenRate.delete(jobId);
          await readModel.remove(jobId);
          reconciler.purgeDeleted(jobId, seq + 1);
        }
      } catch (err) {
        // Not written (e.g. no KV leader during an election): keep it and the rest dirty for the next flush,
        // else a view whose last events were folded meanwhile stays stale and its run never ends.
        for (const unwritten of jobs.slice(i)) dirty.add(unwritten);
        throw err;
      }
    }
    flushedSeq = seq;
    if (!caughtUp && flushedSeq >= catchUpSeq) {
      caughtUp = true;
      log.info({ seq: flushedSeq, jobs: state.jobs.size, elapsed_ms: Date.now() - startedAt }, 'projector caught up');
    }
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.seq <= flushedSeq) waiters.splice(i, 1)[0]!.resolve();
    }
  }

  let flushing = Promise.resolve();
  const flushNext = () => {
    flushing = flushing.then(flush).catch((err) => log.error({ err }, 'read model flush failed'));
  };
  const flushTimer = setInterval(() => {
    if (caughtUp) markDecayed(Date.now());
    flushNext();
  }, FLUSH_INTERVAL_MS);
  let flushScheduled = false;
  // After the messages already received are folded (setImmediate), so one flush covers them all.
  function flushSoon(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      if (!stopped) flushNext();
    });
  }
  // Actions that failed (a broker mid-election) are tried again even if no new event arrives.
  const reconcileTimer = setInterval(() => {
    for (const { view } of state.jobs.values()) if (Reconciler.needsAttention(view)) reconciler.reconcile(view);
  }, RECONCILE_INTERVAL_MS);
  const snapshotTimer = setInterval(() => {
    if (flushedSeq === snapshotSeq) return;
    const at = flushedSeq;
    snapshots
      .save(state)
      .then(() => (snapshotSeq = at))
      .catch((err) => log.warn({ err }, 'snapshot failed'));
  }, SNAPSHOT_INTERVAL_MS);

  return {
    state,
    waitFor(seq) {
      if (seq <= flushedSeq) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ seq, resolve }));
    },
    async stop() {
      clearInterval(flushTimer);
      clearInterval(snapshotTimer);
      clearInterval(reconcileTimer);
      clearInterval(watchdog);
      stopped = true;
      signalStop();
      messages?.stop();
      await consuming.catch(() => undefined);
      await flushing;
      await flush().catch(() => undefined);
      await snapshots.save(state).catch(() => undefined);
    },
  };
}

/** An ordered consumer on the events stream from `startSeq`, consuming. */
async function openLogConsumer(js: JetStreamClient, startSeq: number): Promise<ConsumerMessages> {
  // Always by start sequence: nats.js 2.29's ordered consumer never starts consuming with deliver_policy 'all'.
  const consumer = await js.consumers.get(STREAMS.events, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq });
  return consumer.consume({ max_messages: 1000 });
}

const READ_AHEAD_LIMIT = 10_000;

/**
 * After a stall, reads past the point where the ordered consumer stuck with plain message gets
 * (answered by the stream leader, whoever it is now), up to READ_AHEAD_LIMIT messages, before a
 * new ordered consumer takes over. Purged sequences are skipped: each get asks for the next
 * message at or after a sequence.
 */
async function readAheadByGet(jsm: JetStreamManager, foldedSeq: number, fold: (data: Uint8Array, seq: number) => void, stopped: () => boolean): Promise<void> {
  const last = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  let seq = foldedSeq;
  for (let n = 0; seq < last && n < READ_AHEAD_LIMIT && !stopped(); n++) {
    // STREAM.MSG.GET with next_by_subj (server 2.9): typed in nats.js only for direct gets.
    const msg = await jsm.streams.getMessage(STREAMS.events, { seq: seq + 1, next_by_subj: '>' } as never).catch(() => undefined);
    if (!msg) return;
    fold(msg.data, msg.seq);
    seq = msg.seq;
  }
}
