import type { JobView } from '../domain/index.js';
import type { Logger } from '../log/logger.js';
import type { ReadModel } from './readModel.js';
import { jobToken } from './subjects.js';

/** How long open() waits for the bucket's current entries before it answers with a copy that is not complete yet. */
const INITIAL_LOAD_MS = 10_000;

/**
 * The read model held in memory and kept current by one watch of its bucket, so that control answers
 * GetJob and ListJobs without asking nats-server: on 2.9.10 a get of an entry the projector keeps
 * rewriting waited up to a second under load (README, "Benchmarks", the API load). The copy trails the
 * bucket by the watch's delivery; a command's caller reads its own write by waiting until the copy holds
 * the view that folded it. Until the bucket's entries are all loaded, and after the watch ends (the
 * connection closed), `complete` is false and readers ask the bucket itself.
 */
export class ReadModelCopy {
  /** Views by job token, as the bucket keys them. */
  private readonly views = new Map<string, JobView>();
  private loaded = false;
  private watching = true;
  private watcher: { stop(): void } | undefined;

  private constructor() {}

  static async open(readModel: ReadModel, log: Logger): Promise<ReadModelCopy> {
    const copy = new ReadModelCopy();
    let initialized!: () => void;
    const initialLoad = new Promise<void>((resolve) => (initialized = resolve));
    copy.watcher = await readModel.watch((token, view) => (view ? copy.views.set(token, view) : copy.views.delete(token)), {
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

  stop(): void {
    this.watcher?.stop();
  }
}
