import { randomBytes } from 'node:crypto';
import type { KV as KeyValue, NatsConnection } from 'nats';
import { FerryError } from '../domain/errors.js';
import { KV, jobToken } from '../nats/subjects.js';
import { isWrongLastSequence } from '../nats/errors.js';
import { open, seal } from './aesGcm.js';

/**
 * Envelope encryption for destination secrets. Each job has its own data key,
 * stored sealed under the master key in a KV bucket; the event log only ever
 * holds the secret sealed under that data key. Deleting the job destroys the data
 * key, so the secret in the (immutable) log can never be read again.
 */
export class SecretSealer {
  private constructor(
    private readonly master: Buffer,
    private readonly keys: KeyValue,
  ) {}

  static async open(nc: NatsConnection, masterKeyHex: string): Promise<SecretSealer> {
    const keys = await nc.jetstream().views.kv(KV.secrets);
    return new SecretSealer(Buffer.from(masterKeyHex, 'hex'), keys);
  }

  private async dataKey(jobId: string, create: boolean): Promise<Buffer | undefined> {
    const entry = await this.keys.get(jobToken(jobId));
    if (entry && entry.operation === 'PUT') return open(this.master, entry.string());
    if (!create) return undefined;
    const fresh = randomBytes(32);
    try {
      await this.keys.create(jobToken(jobId), seal(this.master, fresh));
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
}
