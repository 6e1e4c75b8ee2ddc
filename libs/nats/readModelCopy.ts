import type { JobView } from '../domain/index.js';
import type { Logger } from '../log/logger.js';
import type { ReadModel } from './readModel.js';
import { jobIdFromToken, jobToken } from './subjects.js';

/** How long open() waits for the bucket's current entries before it answers with a copy that is not complete yet. */
const INITIAL_LOAD_MS = 10_000;

/** A change the copy applied: the job's view before and after it (undefined: none, or removed). */
export type ViewChange = (jobId: string, before: JobView | undefined, after: JobView | undefined) => void;

/**
 * The read model held in memory and kept current by one watch of its bucket, so that control answers
 * GetJob and ListJobs without asking nats-server: on 2.9.10 a get of an entry the projector keeps
 * rewriting waited up to a second under load (README, "Benchmarks", the API load). The copy trails the
 * bucket by the watch's delivery; a command's caller reads its own write by waiting until the copy holds
 * the view that folded it. Until the bucket's entries are all loaded, and after the watch ends (the
 * connection closed), `complete` is false and readers ask the bucket itself. Control's scheduler and
 * schedule runner follow its changes (onChange) rather than each watching the bucket, which the projector
 * rewrites many times a second while a job runs.
 */
export class ReadModelCopy {
  /** Views by job token, as the bucket keys them. */
  private readonly views = new Map<string, JobView>();
  private readonly followers = new Set<ViewChange>();
  private loaded = false;
  private watching = true;
  private watcher: { stop(): void } | undefined;

  private constructor() {}

  static async open(readModel: ReadModel, log: Logger): Promise<ReadModelCopy> {
    const copy = new ReadModelCopy();
    let initialized!: () => void;
    const initialLoad = new Promise<void>((resolve) => (initialized = resolve));
    copy.watcher = await readModel.watch((token, view) => copy.apply(token, view), {
      loaded: () => {
        copy.loaded = true;
        initialized();
      },
      ended: (err) => {
        copy.watching = false;
        log.warn({ err }, 'the watch of the read model ended: job views are read from the bucket from now on');
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([initialLoad, new Promise<void>((resolve) => (timer = setTimeout(resolve, INITIAL_LOAD_MS)))]);
    clearTimeout(timer);
    return copy;
  }

  /** Every view of the bucket is here, current up to the watch's delivery. */
  get complete(): boolean {
    return this.loaded && this.watching;
  }

  /** The job's view as the copy has it; undefined when the copy has none (or is not complete: ask the bucket). */
  get(jobId: string): JobView | undefined {
    return this.complete ? this.views.get(jobToken(jobId)) : undefined;
  }

  /** Every view, when the copy is complete. */
  all(): JobView[] | undefined {
    return this.complete ? [...this.views.values()] : undefined;
  }

  /** Every view the copy holds now, complete or not: where a follower of onChange starts. */
  held(): JobView[] {
    return [...this.views.values()];
  }

  /** Calls `follower` after each change from now on, the rest of the initial load's included. */
  onChange(follower: ViewChange): { stop(): void } {
    this.followers.add(follower);
    return { stop: () => this.followers.delete(follower) };
  }

  stop(): void {
    this.watcher?.stop();
    this.followers.clear();
  }

  private apply(token: string, view: JobView | undefined): void {
    const before = this.views.get(token);
    if (view) this.views.set(token, view);
    else this.views.delete(token);
    const jobId = view?.job_id ?? before?.job_id ?? jobIdFromToken(token);
    for (const follower of this.followers) follower(jobId, before, view);
  }
}
