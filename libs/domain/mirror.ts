import { invalidField } from './errors.js';
import type { RunKind } from './verifyMode.js';

/** A job's mirror settings: off unless delete_extraneous is true. */
export interface MirrorSettings {
  delete_extraneous?: boolean;
  /** A count ("500") or a share of the destination's objects inside the selection ("5%", "0.5%"). */
  max_delete?: string;
  allow_empty_source?: boolean;
}

export type MaxDelete = { count: number } | { percent: number };

const COUNT = /^(0|[1-9]\d{0,11})$/;
const PERCENT = /^(\d{1,3})(\.\d{1,2})?%$/;

/** "500" → {count: 500}; "5%" → {percent: 5}; anything else undefined. */
export function parseMaxDelete(text: string): MaxDelete | undefined {
  if (COUNT.test(text)) return { count: Number(text) };
  const percent = PERCENT.exec(text);
  if (!percent) return undefined;
  const value = Number(text.slice(0, -1));
  return value > 0 && value <= 100 ? { percent: value } : undefined;
}

/** Checks the three fields together; problems are INVALID_ARGUMENT naming the field. */
export function checkMirrorSettings(m: MirrorSettings): void {
  if (m.max_delete !== undefined && parseMaxDelete(m.max_delete) === undefined) {
    throw invalidField('max_delete', 'must be a count of objects ("500") or a percentage of the destination\'s objects in the selection ("5%", more than 0 and at most 100)');
  }
  if (m.delete_extraneous !== true) {
    for (const field of ['max_delete', 'allow_empty_source'] as const) {
      if (m[field] !== undefined) throw invalidField(field, 'is only used with delete_extraneous: true');
    }
  }
}

/** True when a run of this job has a delete phase: a mirror's own copy runs, never a retry-failed run (it copies a subset) nor a verify run (it copies nothing). */
export function mirrors(m: MirrorSettings, run: { retry_of?: number; kind?: RunKind }): boolean {
  return m.delete_extraneous === true && run.retry_of === undefined && (run.kind ?? 'copy') === 'copy';
}

/** What a counting pass found: the facts the delete phase is judged on. */
export interface DeletionCount {
  /** Destination objects inside the selection that the source does not have. */
  candidates: number;
  candidate_bytes: number;
  /** Destination objects inside the selection (prefix and the listing's facts: size, dates). */
  destination_objects: number;
  /** Source objects under the prefix, unfiltered. */
  source_objects: number;
}

/** The most objects max_delete lets one run delete, given the destination's objects in the selection. */
export function deletionLimit(maxDelete: string | undefined, destinationObjects: number): number {
  if (maxDelete === undefined) return Number.POSITIVE_INFINITY;
  const parsed = parseMaxDelete(maxDelete);
  if (parsed === undefined) return 0;
  if ('count' in parsed) return parsed.count;
  return Math.floor((parsed.percent * destinationObjects) / 100 + 1e-9);
}

export type DeletionVerdict = { action: 'delete' } | { action: 'skip'; reason: string } | { action: 'stop'; reason: string };

/**
 * Judges a counting pass before anything is deleted: an empty source deletes nothing unless
 * allow_empty_source; more candidates than max_delete allows stops the run.
 */
export function judgeDeletion(m: MirrorSettings, count: DeletionCount): DeletionVerdict {
  if (count.candidates === 0) return { action: 'skip', reason: 'nothing to delete: every destination object in the selection is at the source' };
  if (count.source_objects === 0 && m.allow_empty_source !== true) {
    return {
      action: 'skip',
      reason: `nothing deleted: the source listing was empty, so the ${count.candidates} destination object${count.candidates === 1 ? '' : 's'} in the selection were kept (set allow_empty_source: true to delete them)`,
    };
  }
  const limit = deletionLimit(m.max_delete, count.destination_objects);
  if (count.candidates > limit) {
    return {
      action: 'stop',
      reason: `max_delete exceeded: ${count.candidates} of ${count.destination_objects} destination objects in the selection would be deleted, more than max_delete ${m.max_delete} (${limit}); nothing was deleted`,
    };
  }
  return { action: 'delete' };
}
