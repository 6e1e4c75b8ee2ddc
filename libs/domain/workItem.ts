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
  /**
   * A `versions: all` run: the key's selected versions, oldest first, each with its own ordinal
   * (`ordinal` is the first one's, so the message id stays the one ordinal). One item per key so
   * that one copier writes a key's versions in order (versionsMode.ts).
   */
  versions?: VersionWork[];
}

/** One source version (or delete marker) of a versions item. */
export interface VersionWork {
  ordinal: number;
  version_id: string;
  delete_marker: boolean;
  size: number;
  etag: string;
  last_modified: string;
}

/** The message id that makes a republished item a duplicate JetStream drops. */
export function workItemMessageId(item: Pick<WorkItem, 'job_id' | 'run' | 'ordinal'>): string {
  return `${item.job_id}:${item.run}:${item.ordinal}`;
}
