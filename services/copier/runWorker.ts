import { setMaxListeners } from 'node:events';
import type { JetStreamClient, JsMsg } from 'nats';
import { nextRateChangeOf, retryDelayMs, type JobChanges, type ObjectOutcome, type RateSource, type RetryPolicy, type VerifyMode, type VersionWork, type WorkItem } from '../../libs/domain/index.js';
import { STREAMS, decodeJson, subjects, uploadKey, type UploadLog, type VersionLog } from '../../libs/nats/index.js';
import { classifyS3Error, UploadTakenOver, type CopyRequest, type CopyResult, type JobChecksumAlgorithm, type S3Endpoint, type S3Error, type UploadTracker, type createCopyEngine } from '../../libs/s3/index.js';
import { CHECKSUM_MISMATCH } from '../../libs/s3/s3Error.js';
import type { Logger } from '../../libs/log/logger.js';
import type { UploadAbortReason } from '../../libs/observability/metrics.js';
import { isStaleCredentialCode } from '../../libs/s3/credentials.js';
import type { DestinationBreaker } from './destinationBreaker.js';
import { OutcomeBatcher } from './outcomeBatcher.js';
import type { Slots } from './slots.js';
import { WorkPuller } from './workPuller.js';

const FETCH_EXPIRES_MS = 1000;
/** Immediate retries of a copy refused for credentials rotated out while it was in flight. */
const STALE_CREDENTIAL_RETRIES = 3;
/** How long free slots wait for others to free up before a fetch: small copies batch their fetches, big ones barely wait. */
const FETCH_GATHER_MS = 5;

const fetchBatchFor = (concurrency: number): number => Math.max(1, Math.ceil(concurrency / 4));

const runDefinitionKey = (d: RunDefinition): string =>
  JSON.stringify([d.concurrency, d.priority, d.rate_limit_bytes_per_sec, d.rate_limit_schedule, d.schedule?.timezone]);

export interface RunWorkerContext {
  js: JetStreamClient;
  /** The run's durable work consumer (on FERRY_WORK). */
  consumer: string;
  log: Logger;
  slots: Slots;
  engine: ReturnType<typeof createCopyEngine>;
  jobId: string;
  run: number;
  /** The job's definition as the run starts; followDefinition() follows its changes. */
  definition: RunDefinition;
  /** The settings a job definition asks for at a time (its rate may follow a timetable). */
  settingsOf: (definition: RunDefinition, now: Date) => RunSettings;
  /** How often a copy in progress tells JetStream it still holds its item. */
  heartbeatMs: number;
  retry: RetryPolicy;
  /** The job's `verify`: each destination object is checked after its copy (a failed check fails the object). */
  verify?: VerifyMode;
  source: S3Endpoint;
  sourceBucket: string;
  destination: S3Endpoint;
  destinationBucket: string;
  /** The job's checksum_algorithm, unless `none`: computed and sent for objects whose source has no checksum. */
  checksumAlgorithm?: JobChecksumAlgorithm;
  onOutcome?: (outcome: ObjectOutcome) => void;
  onRetry?: (code: string) => void;
  /** The run's destination breaker in this copier (it counts final failures and copies). */
  breaker?: DestinationBreaker;
  /** Fails the run with the tripped breaker's reason; answers false when that did not go through. */
  failRun?: (error: string) => Promise<boolean>;
  /** Called once the worker has stopped. */
  onStopped?: () => void;
  /** Where a versions item's written versions are recorded for the next run (KV ferry_versions). */
  versions?: VersionLog;
  /** Where multipart copies record their uploads and parts (libs/nats/uploadLog.ts), and this copier's name in those records. */
  uploads?: { log: UploadLog; copierId: string; onResumed?: (partsKept: number) => void; onAborted?: (reason: UploadAbortReason) => void };
}

/** What of a job's definition a run's settings come from (the job's view carries all of it). */
export type RunDefinition = JobChanges & RateSource;

/** What UpdateJob changes while a run is served: followed from the next fetch and the next copy on. */
export interface RunSettings {
  priority: number;
  concurrency: number;
  /** The job's shared rate limit; absent without one (no call per chunk then). */
  throttle?: (bytes: number, signal?: AbortSignal) => Promise<void>;
  rateBytesPerSecond?: number;
}

/**
 * Copies the work items of one job run: fetches only as many items as it has free
 * slots (so buffered items never sit on the job's max_ack_pending), gathering a few
 * free slots per fetch while copies run, heartbeats long copies, naks transient
 * failures with the job's backoff so a waiting retry holds no slot, and reports final
 * outcomes through the batcher.
 */
export class RunWorker {
  private fetching = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly batcher: OutcomeBatcher;
  /** Items being copied, with when JetStream last heard they are held (one timer beats for all). */
  private readonly held = new Map<JsMsg, number>();
  private readonly heartbeat: NodeJS.Timeout;
  /** A fetch costs about as much as copying a small object, so while copies run, fetch at least this many. */
  private fetchAtLeast: number;
  private settings: RunSettings;
  private definition: RunDefinition;
  /** Fires when the job's rate timetable starts its next window. */
  private rateWindow: NodeJS.Timeout | undefined;
  private wakeFetcher: (() => void) | undefined;
  private puller: WorkPuller | undefined;
  /** The run should be served (resumed and neither paused nor stopped). */
  private wanted = false;
  /** The breaker tripped: no item is begun until failing the run settles (and none after it went through). */
  private halted = false;
  /** Stopped for the process's shutdown (not the run's end): copies cut short keep their uploads for another copier. */
  private keepUploadsOnStop = false;

  constructor(private readonly ctx: RunWorkerContext) {
    this.definition = ctx.definition;
    this.settings = ctx.settingsOf(ctx.definition, new Date());
    this.armRateWindow();
    const quarter = fetchBatchFor(this.settings.concurrency);
    this.fetchAtLeast = quarter;
    this.batcher = new OutcomeBatcher(ctx.js, ctx.jobId, ctx.run, ctx.log, quarter);
    // Every request of every copy in flight listens on this one signal (and removes itself when done).
    setMaxListeners(0, this.abort.signal);
    // Ticking at half the interval, an item is told held at most 1.5 intervals apart, half the ack wait.
    this.heartbeat = setInterval(() => this.beat(), Math.max(50, Math.floor(ctx.heartbeatMs / 2)));
    this.heartbeat.unref();
  }

  /** Copies of this run in flight right now (for the in-flight gauge). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get currentSettings(): RunSettings {
    return this.settings;
  }

  /**
   * Follows the job's run settings as UpdateJob changed them: the next fetch asks for what the new
   * concurrency allows, the next copy is throttled at the new rate. Answers whether anything changed.
   */
  followDefinition(definition: RunDefinition): boolean {
    // Called on every change of the job's view (progress too): only a changed definition costs more than this.
    if (runDefinitionKey(definition) === runDefinitionKey(this.definition)) return false;
    this.definition = definition;
    this.armRateWindow();
    return this.apply();
  }

  private apply(): boolean {
    const next = this.ctx.settingsOf(this.definition, new Date());
    const now = this.settings;
    if (next.concurrency === now.concurrency && next.priority === now.priority && next.rateBytesPerSecond === now.rateBytesPerSecond) return false;
    this.settings = next;
    this.fetchAtLeast = fetchBatchFor(next.concurrency);
    // A fetcher waiting for room under the old concurrency looks again.
    this.wakeFetcher?.();
    this.wakeFetcher = undefined;
    return true;
  }

  /**
   * At the start of the rate timetable's next window, the rate it sets. Armed again first: a timer that
   * fires a little early finds the window not begun, changes nothing, and fires again at its start.
   */
  private armRateWindow(): void {
    clearTimeout(this.rateWindow);
    const next = nextRateChangeOf(this.definition, new Date());
    if (!next) return;
    this.rateWindow = setTimeout(() => {
      this.armRateWindow();
      if (this.apply()) {
        this.ctx.log.info({ job_id: this.ctx.jobId, run: this.ctx.run, rate_limit_bytes_per_sec: this.settings.rateBytesPerSecond ?? 0 }, 'rate limit window began');
      }
    }, Math.max(0, next.getTime() - Date.now()));
    this.rateWindow.unref();
  }

  resume(): void {
    this.wanted = true;
    if (this.fetching || this.halted) return;
    this.fetching = true;
    this.loop = this.fetchLoop();
  }

  /** Stops taking new items; copies in flight finish and report. */
  async pause(): Promise<void> {
    this.wanted = false;
    this.fetching = false;
    await this.loop;
  }

  /** Where this run's copies write. */
  get destination(): { endpoint: S3Endpoint; bucket: string } {
    return { endpoint: this.ctx.destination, bucket: this.ctx.destinationBucket };
  }

  /**
   * Stops for good: in-flight copies are abandoned; their items return to the stream. Their multipart
   * uploads are aborted, unless `keepUploads` (the copier is shutting down, the run goes on): then they
   * stay recorded, and whoever copies the item next resumes them.
   */
  async stop(keepUploads = false): Promise<void> {
    this.keepUploadsOnStop = keepUploads;
    this.wanted = false;
    this.fetching = false;
    this.abort.abort();
    // Ends an open pull now (a deleted consumer never answers it); items still on their way come back after the ack wait.
    this.puller?.stop();
    await this.loop;
    this.puller?.stop(); // bound while stopping
    await Promise.allSettled(this.inFlight);
    clearInterval(this.heartbeat);
    clearTimeout(this.rateWindow);
    await this.batcher.close();
    this.ctx.onStopped?.();
  }

  private beat(): void {
    const now = Date.now();
    for (const [msg, last] of this.held) {
      if (now - last < this.ctx.heartbeatMs) continue;
      msg.working();
      this.held.set(msg, now);
    }
  }

  /** Resolves when enough of the job's concurrency is free to be worth a fetch, or FETCH_GATHER_MS after some is. */
  private async roomToFetch(): Promise<void> {
    const concurrency = () => this.settings.concurrency;
    const copyFinished = () => new Promise<void>((resolve) => (this.wakeFetcher = resolve));
    while (this.fetching && this.inFlight.size >= concurrency()) await copyFinished();
    if (this.inFlight.size === 0 || concurrency() - this.inFlight.size >= this.fetchAtLeast) return;
    let gathering = true;
    const timer = setTimeout(() => {
      gathering = false;
      this.wakeFetcher?.();
    }, FETCH_GATHER_MS);
    while (gathering && this.fetching && this.inFlight.size > 0 && concurrency() - this.inFlight.size < this.fetchAtLeast) await copyFinished();
    clearTimeout(timer);
  }

  private async fetchLoop(): Promise<void> {
    const { slots, log } = this.ctx;
    while (this.fetching) {
      await slots.acquire(this.settings.priority);
      await this.roomToFetch();
      const { concurrency } = this.settings;
      const wanted = Math.max(1, Math.min(concurrency, concurrency - this.inFlight.size));
      const held = 1 + slots.tryAcquire(wanted - 1);
      let received = 0;
      try {
        if (!this.fetching) break;
        // An item answering a pull already given up on is copied too, in a slot if one is free.
        this.puller ??= await WorkPuller.bind(this.ctx.js, STREAMS.work, this.ctx.consumer, subjects.work(this.ctx.jobId, this.ctx.run), (msg) =>
          this.start(msg, this.ctx.slots.tryAcquire(1) === 1),
        );
        const pulled = await this.puller.pull(held, FETCH_EXPIRES_MS, (msg) => this.start(msg, true));
        received = pulled.received;
        if (pulled.refused !== undefined) throw new Error(pulled.refused);
      } catch (err) {
        if (this.fetching) log.warn({ job_id: this.ctx.jobId, run: this.ctx.run, err: String(err) }, 'fetching work failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        slots.release(held - received);
      }
    }
  }

  /** Copies an item; `slotted` when it holds one of the copier's slots, given back when the copy ends. */
  private start(msg: JsMsg, slotted: boolean): void {
    if (this.halted) {
      // Pulled before the breaker tripped: back to the stream, which is purged once the run failed.
      msg.nak();
      if (slotted) this.ctx.slots.release();
      return;
    }
    const work = this.process(msg).finally(() => {
      this.inFlight.delete(work);
      if (slotted) this.ctx.slots.release();
      this.wakeFetcher?.();
      this.wakeFetcher = undefined;
    });
    this.inFlight.add(work);
  }

  private async process(msg: JsMsg): Promise<void> {
    const { ctx } = this;
    const item = decodeJson<WorkItem>(msg.data);
    if (item.versions) return this.processVersions(msg, item, item.versions);
    const attempt = msg.info.redeliveryCount;
    const started = Date.now();
    const ticket = ctx.breaker?.begin() ?? 0;
    this.held.set(msg, started);
    const base = { ordinal: item.ordinal, key: item.key, size: item.size, attempts: attempt };
    try {
      const request: CopyRequest = {
        source: ctx.source,
        sourceBucket: ctx.sourceBucket,
        destination: ctx.destination,
        destinationBucket: ctx.destinationBucket,
        key: item.key,
        size: item.size,
        etag: item.etag,
        signal: this.abort.signal,
        throttle: this.settings.throttle,
        rateBytesPerSecond: this.settings.rateBytesPerSecond,
        upload: this.uploadTracker(item, attempt),
        ...(ctx.checksumAlgorithm ? { checksumAlgorithm: ctx.checksumAlgorithm } : {}),
      };
      const copied = await this.copyWithFreshCredentials(request);
      if (ctx.verify) await ctx.engine.verify(request, copied, ctx.verify);
      ctx.breaker?.succeeded(ticket);
      this.report({ ...base, result: 'copied', duration_ms: Date.now() - started }, msg);
    } catch (err) {
      if (this.abort.signal.aborted) return; // left unacked: redelivered to whoever serves the run next
      const failure = classifyS3Error(err);
      if (failure instanceof UploadTakenOver) {
        // The item went to another copier (this one's hold lapsed), which goes on with the upload and reports the object.
        ctx.log.info({ job_id: ctx.jobId, run: ctx.run, key: item.key }, 'another copier took over the multipart copy; leaving the object to it');
        return;
      }
      if (failure.code === 'NoSuchKey') {
        this.report({ ...base, result: 'skipped', error: 'object vanished from the source', ...answerOf(failure), duration_ms: Date.now() - started }, msg);
      } else if (failure.retryable && attempt <= ctx.retry.maxRetries) {
        ctx.onRetry?.(failure.code);
        this.batcher.noteRetry({ ordinal: item.ordinal, key: item.key, attempt, error: describeFailure(failure) });
        msg.nak(retryDelayMs(ctx.retry, attempt, Math.random()));
      } else {
        const error = describeFailure(failure);
        const runError = ctx.breaker?.failed(failure);
        if (runError) this.trip(runError);
        this.report({ ...base, result: 'failed', error, ...answerOf(failure), duration_ms: Date.now() - started }, msg, 'term');
      }
    } finally {
      this.held.delete(msg);
    }
  }

  /**
   * A versions item (`versions: all`): the key's versions written in order, oldest first, one outcome each.
   * A version's transient failures are retried here, under the job's policy, rather than by a nak: a
   * redelivered item would write the versions before it again. A version that fails for good fails the
   * newer ones too, unwritten, since written after a gap they would make it unrecoverable in order.
   * The outcomes go out in one batch of their own, then the item is acked.
   */
  private async processVersions(msg: JsMsg, item: WorkItem, versions: VersionWork[]): Promise<void> {
    const attempt = msg.info.redeliveryCount;
    this.held.set(msg, Date.now());
    const outcomes: ObjectOutcome[] = [];
    let blocked: string | undefined;
    let recorded: Map<string, string>;
    try {
      // A redelivered item (its copier died after recording, before reporting) does not write again what this run recorded.
      recorded = await this.recordedThisRun(item.key);
    } catch (err) {
      this.ctx.log.warn({ job_id: this.ctx.jobId, run: this.ctx.run, key: item.key, err: String(err) }, 'reading the copied versions failed; the item is tried again');
      this.held.delete(msg);
      msg.nak(1000);
      return;
    }
    try {
      for (const v of versions) {
        const base = { ordinal: v.ordinal, key: item.key, size: v.size, attempts: attempt, version_id: v.version_id, ...(v.delete_marker ? { delete_marker: true } : {}) };
        const done = recorded.get(v.version_id);
        if (done !== undefined && blocked === undefined) {
          outcomes.push({ ...base, result: 'copied', ...(done ? { destination_version_id: done } : {}), duration_ms: 0 });
          continue;
        }
        if (blocked !== undefined) {
          outcomes.push({ ...base, result: 'failed', error: blocked, duration_ms: 0 });
          continue;
        }
        const outcome = await this.writeVersion(item, v, base);
        if (outcome === undefined) {
          // Aborted: left unacked, redelivered to whoever serves the run next, which skips what is recorded here.
          await this.recordWritten(item.key, outcomes);
          return;
        }
        outcomes.push(outcome);
        if (outcome.result === 'failed') blocked = `not written: the older version ${v.version_id} of this key failed, and a key's versions are written in order`;
      }
    } finally {
      this.held.delete(msg);
    }
    // Recorded before they are reported: a run that counts them copied never lacks them in the next run's plan.
    await this.recordWritten(item.key, outcomes);
    for (const outcome of outcomes) this.ctx.onOutcome?.(outcome);
    this.batcher.addAll(outcomes, msg);
  }

  /** Records the copied versions among `outcomes` (KV ferry_versions); a failure is logged, not thrown. */
  private async recordWritten(key: string, outcomes: readonly ObjectOutcome[]): Promise<void> {
    const written = outcomes.filter((o) => o.result === 'copied').map((o) => [o.version_id!, o.destination_version_id ?? ''] as const);
    try {
      await this.ctx.versions?.record(this.ctx.jobId, key, this.ctx.run, written);
    } catch (err) {
      // Reported all the same: these versions are then written again by a next run (duplicates at the destination, nothing lost).
      this.ctx.log.warn({ job_id: this.ctx.jobId, run: this.ctx.run, key, versions: written.length, err: String(err) }, 'recording the copied versions failed');
    }
  }

  /** Source version id → destination version id, of the versions of `key` this run recorded copied. */
  private async recordedThisRun(key: string): Promise<Map<string, string>> {
    const { versions, jobId, run } = this.ctx;
    if (!versions) return new Map();
    const copied = await versions.copied(jobId, key);
    return new Map([...copied].filter(([, c]) => c.run === run).map(([source, c]) => [source, c.destination]));
  }

  /** One version copied (or delete marker written), retried in place; undefined when the run's work was aborted. */
  private async writeVersion(item: WorkItem, v: VersionWork, base: Omit<ObjectOutcome, 'result' | 'duration_ms'>): Promise<ObjectOutcome | undefined> {
    const { ctx } = this;
    const started = Date.now();
    for (let tries = 1; ; tries++) {
      const ticket = ctx.breaker?.begin() ?? 0;
      try {
        const target = { destination: ctx.destination, destinationBucket: ctx.destinationBucket, key: item.key, signal: this.abort.signal };
        const written = v.delete_marker
          ? await ctx.engine.writeDeleteMarker(target)
          : await this.copyWithFreshCredentials({
              ...target,
              source: ctx.source,
              sourceBucket: ctx.sourceBucket,
              size: v.size,
              etag: v.etag,
              sourceVersionId: v.version_id,
              throttle: this.settings.throttle,
              rateBytesPerSecond: this.settings.rateBytesPerSecond,
              ...(ctx.checksumAlgorithm ? { checksumAlgorithm: ctx.checksumAlgorithm } : {}),
            });
        ctx.breaker?.succeeded(ticket);
        const id = written.destinationVersionId === undefined ? {} : { destination_version_id: written.destinationVersionId };
        return { ...base, attempts: base.attempts + tries - 1, result: 'copied', ...id, duration_ms: Date.now() - started };
      } catch (err) {
        if (this.abort.signal.aborted) return undefined;
        const failure = classifyS3Error(err);
        if (failure.code === 'NoSuchKey' || failure.code === 'NoSuchVersion') {
          return { ...base, result: 'skipped', error: 'version vanished from the source', ...answerOf(failure), duration_ms: Date.now() - started };
        }
        if (failure.retryable && tries <= ctx.retry.maxRetries) {
          ctx.onRetry?.(failure.code);
          this.batcher.noteRetry({ ordinal: v.ordinal, key: item.key, attempt: tries, error: describeFailure(failure) });
          await abortableDelay(retryDelayMs(ctx.retry, tries, Math.random()), this.abort.signal);
          continue;
        }
        const runError = ctx.breaker?.failed(failure);
        if (runError) this.trip(runError);
        return { ...base, attempts: base.attempts + tries - 1, result: 'failed', error: describeFailure(failure), ...answerOf(failure), duration_ms: Date.now() - started };
      }
    }
  }

  /**
   * The object's upload record, for a multipart copy to record its parts in and a later attempt to resume
   * from. A failed copy keeps its upload when the item will be tried again (a retryable failure with
   * attempts left, a stale credential, or the copier's shutdown); otherwise it aborts it.
   */
  private uploadTracker(item: WorkItem, attempt: number): UploadTracker | undefined {
    const { uploads, log, jobId, run, retry } = this.ctx;
    if (!uploads) return undefined;
    const at = { job_id: jobId, run, key: item.key };
    return uploads.log.tracker(uploadKey(jobId, run, item.ordinal), `${uploads.copierId}/${attempt}`, {
      keeps: (err) => {
        if (err.code === CHECKSUM_MISMATCH) return false;
        if (this.abort.signal.aborted) return this.keepUploadsOnStop;
        return isStaleCredentialCode(err.code) || (err.retryable && attempt <= retry.maxRetries);
      },
      resumed: ({ uploadId, kept, total }) => {
        log.info({ ...at, upload_id: uploadId, parts_kept: kept, parts_total: total }, 'multipart copy resumed');
        uploads.onResumed?.(kept);
      },
      restarted: (uploadId, reason) => {
        log.info({ ...at, upload_id: uploadId, reason }, 'recorded multipart upload aborted; copying the object afresh');
        uploads.onAborted?.('not_resumable');
      },
      aborted: (uploadId, code) => {
        log.info({ ...at, upload_id: uploadId, reason: this.abort.signal.aborted ? 'run_ended' : 'failed', error_type: code }, 'multipart upload aborted');
        uploads.onAborted?.(this.abort.signal.aborted ? 'run_ended' : 'failed');
      },
      writeFailed: (err) => log.debug({ ...at, err: String(err) }, 'writing the upload record failed'),
    });
  }

  /**
   * A request signed just before a rotation may reach the server after the old credentials stopped working:
   * then the job's credentials are refreshed (one fetch however many copies ask) and the copy is tried again
   * at once (a few times at most: a server refusing every new credential fails the copy as before).
   */
  private async copyWithFreshCredentials(request: CopyRequest): Promise<CopyResult> {
    for (let retries = 0; ; retries++) {
      const used = [request.source.credentials?.current, request.destination.credentials?.current];
      try {
        return await this.ctx.engine.copy(request);
      } catch (err) {
        const failure = classifyS3Error(err);
        const rotating = [request.source.credentials, request.destination.credentials].filter((c) => c !== undefined);
        if (this.abort.signal.aborted || !isStaleCredentialCode(failure.code) || rotating.length === 0 || retries >= STALE_CREDENTIAL_RETRIES) throw err;
        // Credentials that changed since the copy started are already fresh; else fetch new ones.
        const stale = request.source.credentials?.current === used[0] && request.destination.credentials?.current === used[1];
        if (stale) {
          const before = rotating.map((c) => c.current);
          await Promise.all(rotating.map((c) => c.refresh()));
          // The same keys again: the server refuses the credentials themselves, so the copy fails as before.
          if (rotating.every((c, i) => c.current?.accessKeyId === before[i]?.accessKeyId && c.current?.sessionToken === before[i]?.sessionToken)) throw err;
        }
        this.ctx.onRetry?.(failure.code);
      }
    }
  }

  /**
   * The destination refuses writes: begin no more items, and publish no outcome (this one's
   * included) until the run is failed, so the run's outcomes can never complete it first.
   */
  private trip(error: string): void {
    this.halted = true;
    this.fetching = false;
    this.wakeFetcher?.();
    const failing = (this.ctx.failRun?.(error) ?? Promise.resolve(false)).then(async (failed) => {
      if (failed) return;
      this.ctx.breaker?.rearm();
      await this.loop;
      this.halted = false;
      if (this.wanted) this.resume();
    });
    this.batcher.holdUntil(failing);
  }

  private report(outcome: ObjectOutcome, msg: JsMsg, ack: 'ack' | 'term' = 'ack'): void {
    this.ctx.onOutcome?.(outcome);
    this.batcher.add(outcome, msg, ack);
  }
}

/** Waits `ms`, or less when the signal aborts (the caller then sees it aborted). */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The S3 error code and HTTP status of a failure, as the completion report's columns show them (no status: no answer came). */
function answerOf(failure: S3Error): { error_code: string; http_status?: number } {
  return failure.status > 0 ? { error_code: failure.code, http_status: failure.status } : { error_code: failure.code };
}

/** The error text users see in the failed report: the spec's 'checksum mismatch', else the S3 code and message. */
function describeFailure(failure: S3Error): string {
  return failure.code === 'ChecksumMismatch' ? 'checksum mismatch' : `${failure.code}: ${failure.message}`;
}
