import { nanoid } from 'nanoid';
import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { decide, evolve, initialJobState, type FerryEvent, type JobCommand, type JobEvent, type JobState } from '../domain/index.js';
import { settledWithin } from './settledWithin.js';
import { decodeJson, encodeJson } from './codec.js';
import { deleteOrderedConsumer, isWrongLastSequence } from './errors.js';
import { lastOnSubject, nextOnSubject } from './subjectPosition.js';
import { publishDurably } from './publish.js';
import { STREAMS, subjects } from './subjects.js';

export interface StoredJobEvent {
  seq: number;
  event: JobEvent;
}

export interface CachedState {
  state: JobState;
  lastSeq: number;
}

/**
 * The cached state advanced by the job's event at `seq` when it holds every event of the subject before
 * that one. `previous` is the event a follower handed on before it; none means the follower has seen no
 * other since it began, before which every cached state is complete (JobEventStore.startFollowing). A cache
 * that may lack `previous` is left as it is: a prefix of the log, from which the next load reads on.
 */
export function followedState(cached: CachedState, previous: number | undefined, seq: number, event: JobEvent): CachedState {
  if (cached.lastSeq >= seq || (previous !== undefined && cached.lastSeq < previous)) return cached;
  return { state: evolve(cached.state, event), lastSeq: seq };
}

export interface ExecuteResult {
  state: JobState;
  events: JobEvent[];
  lastSeq: number;
}

const MAX_CONFLICT_RETRIES = 20;
const READ_TIMEOUT_MS = 15_000;
/**
 * How many of a read's events are fetched one by one (STREAM.MSG.GET) before an ordered consumer reads
 * the rest. Most reads catch a cached state up by an event or two: the lister's, after each listing
 * checkpoint it appends. nats-server 2.9.10 never frees about 4 KB of each consumer created and deleted,
 * and a consumer per checkpoint held 41 MB of its heap at the end of a ten-million-object run
 * (deploy/CAPACITY.md); a get holds nothing.
 */
const TAIL_GETS = 8;
const JOB_SUBJECT_PREFIX = subjects.allJobs.slice(0, -1);

/**
 * The job log: one subject per job in the events stream. Commands are decided
 * against the folded subject and appended with the expected last subject sequence,
 * so of two concurrent commands only one can win; the loser re-reads and decides again.
 * Each decision's appends carry a message id of their own, so the loser is never mistaken
 * for a duplicate of the winner.
 */
export class JobEventStore {
  private readonly cache = new Map<string, CachedState>();
  /** follow(): whether job events are handed on (startFollowing), and the last one handed on per job. */
  private following = false;
  private readonly followed = new Map<string, number>();

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly decisionId: () => string,
  ) {}

  /** `decisionId` mints the id that every append of one decision carries (a test may fix it). */
  static async open(nc: NatsConnection, { decisionId = () => nanoid() }: { decisionId?: () => string } = {}): Promise<JobEventStore> {
    return new JobEventStore(nc.jetstream(), await nc.jetstreamManager(), decisionId);
  }

  /** Reads the job's events with sequence >= fromSeq, up to the subject's current end. */
  async read(jobId: string, fromSeq = 1): Promise<StoredJobEvent[]> {
    const subject = subjects.job(jobId);
    const last = await lastOnSubject(this.jsm, subject);
    if (last < fromSeq) return [];
    const out: StoredJobEvent[] = [];
    let next = fromSeq;
    for (let n = 0; n < TAIL_GETS && next <= last; n++) {
      const msg = await nextOnSubject(this.jsm, subject, next);
      // Nothing left although the subject ended later a moment ago: its events were removed from the stream (by hand: Ferry
      // never purges a job's subject) while being read. An ordered consumer would only wait out its guard before failing.
      if (!msg) throw new Error(`job ${jobId}: its log from sequence ${next} to ${last} was removed while being read`);
      out.push({ seq: msg.seq, event: decodeJson<JobEvent>(msg.data) });
      next = msg.seq + 1;
    }
    if (next <= last) out.push(...(await this.readWithConsumer(jobId, next, last)));
    if ((out[out.length - 1]?.seq ?? 0) < last) throw new Error(`job ${jobId}: reading its log stopped before sequence ${last}`);
    return out;
  }

  /** The job's events from `fromSeq` to `last` (the subject's end), read with an ordered consumer of their own. */
  private async readWithConsumer(jobId: string, fromSeq: number, last: number): Promise<StoredJobEvent[]> {
    const consumer = await this.js.consumers.get(STREAMS.events, {
      filterSubjects: subjects.job(jobId),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromSeq,
    });
    const out: StoredJobEvent[] = [];
    const opening = consumer.consume({ max_messages: 256 });
    const messages = await settledWithin(opening, READ_TIMEOUT_MS);
    if (!messages) {
      void opening.then(
        (late) => late.stop(),
        () => undefined, // it never opened: nothing to stop
      );
      throw new Error(`job ${jobId}: its log could not be opened within ${READ_TIMEOUT_MS} ms`);
    }
    // An ordered consumer can stall for good when its stream's leader dies mid-read: give up and let the caller retry.
    const guard = setTimeout(() => messages.stop(), READ_TIMEOUT_MS);
    try {
      for await (const msg of messages) {
        out.push({ seq: msg.seq, event: decodeJson<JobEvent>(msg.data) });
        if (msg.seq >= last) break;
      }
    } finally {
      clearTimeout(guard);
      messages.stop();
      await deleteOrderedConsumer(consumer);
    }
    return out;
  }

  /**
   * For a reader of the whole events stream (the projector), before this store loads anything: from
   * then on it hands follow() every message of the stream after a sequence no later than the stream's
   * end now, in stream order, and the states this store caches are kept current with the job events
   * among them, so its next decision reads nothing back. (Every state it loads is complete up to the
   * stream's end at that moment, so up to where the follower begins.) Without this, the projector's first
   * decision of a run (FinishRun) read the job's log anew, and nats-server loaded every 8 MB block holding
   * one of the run's ListingCheckpointed since its last checkpoint.
   */
  startFollowing(): void {
    this.following = true;
  }

  /** One message of the events stream, as startFollowing() asks; messages of other subjects are passed over. */
  follow(subject: string, seq: number, event: FerryEvent): void {
    if (!this.following || !subject.startsWith(JOB_SUBJECT_PREFIX) || subject !== subjects.job(event.data.job_id)) return;
    const jobId = event.data.job_id;
    const previous = this.followed.get(jobId);
    if (previous !== undefined && seq <= previous) return; // handed on again (a reader resuming)
    this.followed.set(jobId, seq);
    const cached = this.cache.get(jobId);
    // The job subject carries only what execute() appends: job events.
    if (cached) this.cache.set(jobId, followedState(cached, previous, seq, event as JobEvent));
  }

  /** The job's decision state, caught up from the cache's last sequence. */
  async load(jobId: string): Promise<CachedState> {
    const cached = this.cache.get(jobId) ?? { state: initialJobState(jobId), lastSeq: 0 };
    let { state, lastSeq } = cached;
    for (const { seq, event } of await this.read(jobId, lastSeq + 1)) {
      state = evolve(state, event);
      lastSeq = seq;
    }
    const fresh = { state, lastSeq };
    this.cache.set(jobId, fresh);
    return fresh;
  }

  /** Decides the command and appends its events; repeats the decision on a concurrent append. */
  async execute(jobId: string, command: JobCommand): Promise<ExecuteResult> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const loaded = await this.load(jobId);
      let { state, lastSeq } = loaded;
      const events = decide(command, state);
      // One id per decision: a publish resent after a lost PubAck is dropped as a duplicate of itself,
      // while two decisions taken against the same state never share an id.
      const decision = this.decisionId();
      try {
        for (const [index, event] of events.entries()) {
          const ack = await publishDurably(this.js, subjects.job(jobId), encodeJson(event), {
            msgID: `${jobId}:${decision}:${index}`,
            expect: { lastSubjectSequence: lastSeq },
          });
          // The broker checks the id before the expected sequence: a duplicate of a message we never sent is a lost race.
          if (ack.duplicate && !ack.resent) throw new AppendConflict(jobId, ack.seq);
          state = evolve(state, event);
          lastSeq = ack.seq;
        }
        // The cache keeps the state decided on, not the one folded with our own events: a replicated stream on
        // nats-server 2.9 may accept another append made against the same expected sequence (ARCHITECTURE.md,
        // "Concurrent appends on a replicated stream"), and the next load then reads both from the log.
        if (events.length > 0) this.cache.set(jobId, loaded);
        return { state, events, lastSeq };
      } catch (err) {
        // The cache still holds the state loaded before the append, a prefix of the log: the next load reads on from it.
        // Dropping it would read the whole log again on each conflict, and a split run's ranges conflict all the time.
        if (!isWrongLastSequence(err) && !(err instanceof AppendConflict)) throw err;
      }
    }
    throw new Error(`job ${jobId}: gave up after ${MAX_CONFLICT_RETRIES} concurrent-append conflicts`);
  }
}

/** Another decision's message answered our append: the command is decided again against the new state. */
class AppendConflict extends Error {
  constructor(jobId: string, seq: number) {
    super(`job ${jobId}: sequence ${seq} holds another decision's event`);
  }
}
