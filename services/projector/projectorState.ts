import { OrdinalSet, project, type FerryEvent, type JobProjection, type OrdinalSetData } from '../../libs/domain/index.js';

/** Serializable form of every job's projection, as kept in snapshots. */
interface SnapshotJob {
  view: JobProjection['view'];
  definition: JobProjection['definition'];
  done: OrdinalSetData;
  rate: JobProjection['rate'];
  checkpoint?: JobProjection['checkpoint'];
  span?: JobProjection['span'];
}

export interface Snapshot {
  seq: number;
  jobs: Record<string, SnapshotJob>;
  /** Per job, the sequences of its block markers not yet deleted. */
  blockMarkers: Record<string, number[]>;
}

/** All jobs' projections plus the last stream sequence folded in. Pure: no I/O. */
export class ProjectorState {
  readonly jobs = new Map<string, JobProjection>();
  /** Per job, the sequence of the last message of its outcome subject folded since this process started (not snapshotted). */
  readonly lastOutcomeSeq = new Map<string, number>();
  /**
   * Per job, the sequences of its block markers folded and not yet deleted (blockMarkers.ts), ascending.
   * A deleted job's stay until its purge deletes them.
   */
  private readonly blockMarkers = new Map<string, number[]>();
  seq = 0;

  /** Folds one event; returns the job id it touched, or undefined when the event was already applied. */
  apply(event: FerryEvent, seq: number): string | undefined {
    if (seq <= this.seq) return undefined;
    this.seq = seq;
    const jobId = event.data.job_id;
    if (event.type === 'ObjectsProcessed' || event.type === 'OutcomesCheckpointed') this.lastOutcomeSeq.set(jobId, seq);
    const next = project(this.jobs.get(jobId), event, seq);
    if (next) this.jobs.set(jobId, next);
    else {
      this.jobs.delete(jobId);
      this.lastOutcomeSeq.delete(jobId);
    }
    return jobId;
  }

  /** Moves past a block marker of the job (no event), noting where it lies. */
  blockMarkerFolded(jobId: string, seq: number): void {
    if (seq <= this.seq) return;
    this.seq = seq;
    const markers = this.blockMarkers.get(jobId);
    if (markers) markers.push(seq);
    else this.blockMarkers.set(jobId, [seq]);
  }

  /** The job's block markers below `seq`: what a purge below `seq` deletes. */
  blockMarkersBelow(jobId: string, seq: number): number[] {
    return (this.blockMarkers.get(jobId) ?? []).filter((marker) => marker < seq);
  }

  /** The job's block markers below `seq` were deleted. */
  forgetBlockMarkersBelow(jobId: string, seq: number): void {
    const left = (this.blockMarkers.get(jobId) ?? []).filter((marker) => marker >= seq);
    if (left.length > 0) this.blockMarkers.set(jobId, left);
    else this.blockMarkers.delete(jobId);
  }

  toSnapshot(): Snapshot {
    const jobs: Record<string, SnapshotJob> = {};
    for (const [id, p] of this.jobs) {
      jobs[id] = { view: p.view, definition: p.definition, done: p.done.toData(), rate: p.rate, ...(p.checkpoint ? { checkpoint: p.checkpoint } : {}), ...(p.span ? { span: p.span } : {}) };
    }
    return { seq: this.seq, jobs, blockMarkers: Object.fromEntries(this.blockMarkers) };
  }

  static fromSnapshot(snapshot: Snapshot): ProjectorState {
    if (snapshot.blockMarkers === undefined) throw new Error('the snapshot predates the block marker list');
    const state = new ProjectorState();
    state.seq = snapshot.seq;
    for (const [id, markers] of Object.entries(snapshot.blockMarkers)) state.blockMarkers.set(id, [...markers]);
    for (const [id, job] of Object.entries(snapshot.jobs)) {
      if (typeof job.done !== 'object') throw new Error('the snapshot predates the chunked ordinal set');
      state.jobs.set(id, {
        view: job.view,
        definition: job.definition,
        done: OrdinalSet.fromData(job.done),
        rate: job.rate,
        ...(job.checkpoint ? { checkpoint: job.checkpoint } : {}),
        ...(job.span ? { span: job.span } : {}),
      });
    }
    return state;
  }
}
