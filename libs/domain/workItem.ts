/** One selected object of one run, as the lister publishes it on `ferry.work.<token>.<run>`. */
export interface WorkItem {
  job_id: string;
  run: number;
  /** Position of the object in the run's listing; stable across lister restarts. */
  ordinal: number;
  key: string;
  size: number;
  etag: string;
  last_modified: string;
}

/** The message id that makes a republished item a duplicate JetStream drops. */
export function workItemMessageId(item: Pick<WorkItem, 'job_id' | 'run' | 'ordinal'>): string {
  return `${item.job_id}:${item.run}:${item.ordinal}`;
}
