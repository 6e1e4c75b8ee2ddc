import { createHash } from 'node:crypto';
import type { ObjectOutcome, ObjectsProcessed } from '../../libs/domain/index.js';
import { encodeJson, subjects } from '../../libs/nats/index.js';

const MAX_BATCH = 500;

/**
 * Gathers the outcomes the lister decides without a copy into ObjectsProcessed messages:
 * objects already identical at the destination (skipped), a manifest's rows naming an
 * object the source lacks (skipped, or failed when strict) or nothing copyable (failed),
 * or a verify run's findings (`label` verify). Batches end at MAX_BATCH and at every
 * checkpoint, so a listing resumed from a checkpoint rebuilds the same batches and
 * their message ids (`<job>:<run>:skip:<first>-<last>:<hash of the ordinals>`) make
 * JetStream drop repeats. The hash keeps a batch that differs after a resume (the
 * destination changed meanwhile) from being dropped; the projector counts ordinals once.
 */
export class ListerOutcomes {
  private pending: ObjectOutcome[] = [];

  constructor(
    private readonly jobId: string,
    private readonly run: number,
    private readonly publish: (subject: string, payload: Uint8Array, msgID: string) => Promise<void>,
    private readonly label: 'skip' | 'verify' = 'skip',
  ) {}

  /** Answers a promise only when a batch goes out, so a run of identical objects does not yield per object. */
  add(outcome: ObjectOutcome): Promise<void> | undefined {
    this.pending.push(outcome);
    return this.pending.length >= MAX_BATCH ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const outcomes = this.pending;
    this.pending = [];
    const event: ObjectsProcessed = { type: 'ObjectsProcessed', data: { job_id: this.jobId, run: this.run, at: new Date().toISOString(), outcomes } };
    const hash = createHash('sha1').update(outcomes.map((o) => o.ordinal).join(',')).digest('base64url').slice(0, 12);
    const msgID = `${this.jobId}:${this.run}:${this.label}:${outcomes[0]!.ordinal}-${outcomes[outcomes.length - 1]!.ordinal}:${hash}`;
    await this.publish(subjects.outcome(this.jobId), encodeJson(event), msgID);
  }
}
