import type { FailedObject, FailuresKept, JobError } from './events.js';
import { isActive } from './decider.js';
import type { JobProjection } from './projection.js';

/**
 * Whether the projector should checkpoint the job's running run now: `everyObjects` (0 = never) objects
 * have outcomes since its last checkpoint, every earlier run was compacted (a mid-run purge removes
 * every outcome batch below the checkpoint, theirs included), and the job writes no completion report
 * (a report is written from the run's batches when it ends, so they must stay).
 */
export function checkpointDue(p: JobProjection, everyObjects: number): boolean {
  const view = p.view;
  if (everyObjects <= 0 || !isActive(view.status) || view.report !== undefined) return false;
  if (!view.runs.every((r) => r.run === view.run || r.outcomes_compacted === true)) return false;
  const counted = p.checkpoint?.run === view.run ? p.checkpoint.objects : 0;
  return p.done.size - counted >= everyObjects;
}

type Kept = FailuresKept['data'];

/**
 * The failures kept for a run's batches up to a checkpoint's `throughSeq`: the complete sets chained from
 * it back to 0 (each set's from_seq is the previous one's through_seq), oldest first. Sets off the chain,
 * left by an attempt that crashed before its checkpoint, are not read. undefined when a link is missing.
 */
export function keptFailuresThrough(sets: Kept[], throughSeq: number): { failed: FailedObject[]; retried: JobError[] } | undefined {
  const groups = new Map<string, Map<number, Kept>>();
  for (const set of sets) {
    const id = `${set.through_seq}:${set.from_seq}`;
    const parts = groups.get(id) ?? new Map<number, Kept>();
    parts.set(set.part, set);
    groups.set(id, parts);
  }
  const complete = new Map<number, Kept[][]>();
  for (const parts of groups.values()) {
    const first = parts.values().next().value!;
    if (parts.size !== first.parts || first.from_seq >= first.through_seq) continue;
    complete.set(first.through_seq, [...(complete.get(first.through_seq) ?? []), [...parts.values()].sort((a, b) => a.part - b.part)]);
  }
  const chainTo = (at: number): Kept[][] | undefined => {
    if (at === 0) return [];
    for (const link of complete.get(at) ?? []) {
      const before = chainTo(link[0]!.from_seq);
      if (before) return [...before, link];
    }
    return undefined;
  };
  const chain = chainTo(throughSeq);
  if (!chain) return undefined;
  const parts = chain.flat();
  return { failed: parts.flatMap((p) => p.failed), retried: parts.flatMap((p) => p.retries) };
}

/** Kept failures and those of the batches after the checkpoint, as one run's: failures by ordinal, the latest `retriesKept` retried attempts. */
export function withKeptFailures(
  kept: { failed: FailedObject[]; retried: JobError[] },
  recent: { failed: FailedObject[]; retried: JobError[] },
  retriesKept = Number.POSITIVE_INFINITY,
): { failed: FailedObject[]; retried: JobError[] } {
  const retried = [...kept.retried, ...recent.retried];
  return { failed: [...kept.failed, ...recent.failed].sort((a, b) => a.ordinal - b.ordinal), retried: Number.isFinite(retriesKept) ? retried.slice(-retriesKept) : retried };
}
