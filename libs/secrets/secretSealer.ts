import { randomBytes } from 'node:crypto';
import type { JetStreamManager, KV as KeyValue, NatsConnection } from 'nats';
import { FerryError } from '../domain/errors.js';
import { KV, jobToken } from '../nats/subjects.js';
import { isWrongLastSequence } from '../nats/errors.js';
import { open, seal } from './aesGcm.js';
import { MasterKeyRing } from './masterKeys.js';
import { rotateDataKeys, type KeyRotationHooks, type KeyRotationReport } from './keyRotation.js';

/**
 * Envelope encryption for destination secrets. Each job has its own data key,
 * stored sealed under a master key in a KV bucket; the event log only ever
 * holds the secret sealed under that data key. Deleting the job destroys the data
 * key, so the secret in the (immutable) log can never be read again.
 */
export class SecretSealer {
  private constructor(
    private readonly masters: MasterKeyRing,
    private readonly keys: KeyValue,
    private readonly jsm: JetStreamManager,
  ) {}

  /** `masterKeys`: the configured keys, or one key (64 hex characters) with the id ferry.secret_key has. */
  static async open(nc: NatsConnection, masterKeys: MasterKeyRing | string): Promise<SecretSealer> {
    const keys = await nc.jetstream().views.kv(KV.secrets);
    const ring = typeof masterKeys === 'string' ? MasterKeyRing.single(masterKeys) : masterKeys;
    return new SecretSealer(ring, keys, await nc.jetstreamManager());
  }

  get masterKeys(): MasterKeyRing {
    return this.masters;
  }

  private async dataKey(jobId: string, create: boolean): Promise<Buffer | undefined> {
    const entry = await this.keys.get(jobToken(jobId));
    if (entry && entry.operation === 'PUT') return this.masters.openDataKey(jobId, entry.string());
    if (!create) return undefined;
    const fresh = randomBytes(32);
    try {
      await this.keys.create(jobToken(jobId), this.masters.sealDataKey(fresh));
      return fresh;
    } catch (err) {
      if (!isWrongLastSequence(err)) throw err;
      // Lost a race with another control process: use the key it stored.
      return this.dataKey(jobId, false);
    }
  }

  async seal(jobId: string, plaintext: string): Promise<string> {
    const key = await this.dataKey(jobId, true);
    if (!key) throw new FerryError('UNAVAILABLE', `job ${jobId}: its data key was created by another control process and destroyed before it could be read; try again`);
    return seal(key, Buffer.from(plaintext, 'utf8'));
  }

  async open(jobId: string, sealed: string): Promise<string> {
    const key = await this.dataKey(jobId, false);
    if (!key) throw new FerryError('FAILED_PRECONDITION', `job ${jobId}: its secret was destroyed`);
    return open(key, sealed).toString('utf8');
  }

  async destroy(jobId: string): Promise<void> {
    await this.keys.purge(jobToken(jobId));
  }

  /** Re-seals every job's data key under the current master key (`ferry keys rotate`). */
  rotate(hooks?: KeyRotationHooks): Promise<KeyRotationReport> {
    return rotateDataKeys(this.keys, this.jsm, this.masters, hooks);
  }
}
