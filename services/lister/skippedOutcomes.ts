import { createHash } from 'node:crypto';
import type { JetStreamClient, PubAck } from 'nats';
import type { ObjectOutcome, ObjectsProcessed } from '../../libs/domain/index.js';
import { encodeJson, publishDurably, subjects } from '../../libs/nats/index.js';

const MAX_BATCH = 500;

/**
 * Gathers the ordinals of objects already identical at the destination into
 * ObjectsProcessed messages (result 'skipped'). Batches end at MAX_BATCH and at every
 * checkpoint, so a listing resumed from a checkpoint rebuilds the same batches and
 * their message ids (`<job>:<run>:skip:<first>-<last>:<hash of the ordinals>`) make
 * JetStream drop repeats. The hash keeps a batch that differs after a resume (the
 * destination changed meanwhile) from being dropped; the projector counts ordinals once.
 */
export class SkippedOutcomes {
  private pending: ObjectOutcome[] = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly jobId: string,
    private readonly run: number,
    private readonly publish: (ack: Promise<PubAck>) => Promise<void>,
  ) {}

  async add(ordinal: number, key: string, size: number): Promise<void> {
    this.pending.push({ ordinal, key, size, result: 'skipped', attempts: 0, duration_ms: 0 });
    if (this.pending.length >= MAX_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const outcomes = this.pending;
    this.pending = [];
    const event: ObjectsProcessed = { type: 'ObjectsProcessed', data: { job_id: this.jobId, run: this.run, at: new Date().toISOString(), outcomes } };
    const hash = createHash('sha1').update(outcomes.map((o) => o.ordinal).join(',')).digest('base64url').slice(0, 12);
    const msgID = `${this.jobId}:${this.run}:skip:${outcomes[0]!.ordinal}-${outcomes[outcomes.length - 1]!.ordinal}:${hash}`;
    await this.publish(publishDurably(this.js, subjects.outcome(this.jobId), encodeJson(event), { msgID }));
  }
}
