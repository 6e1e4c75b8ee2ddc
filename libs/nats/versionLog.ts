import { createHash } from 'node:crypto';
import type { KV as KeyValue, NatsConnection } from 'nats';
import { decodeJson, encodeJson } from './codec.js';
import { isWrongLastSequence } from './errors.js';
import { KV, jobToken } from './subjects.js';

/** What one key's entry holds: its name (the KV key is a hash of it) and source version id → [destination version id, run]. */
interface CopiedVersions {
  key: string;
  copied: Record<string, [string, number]>;
}

/** A source version copied: the destination version id it became ("" when none was answered) and the run that wrote it. */
export interface CopiedVersion {
  destination: string;
  run: number;
}

const CONFLICT_RETRIES = 5;

/** The KV key of one object key of one job: `<job token>.<sha256 of the key, base64url>` (object keys hold any character). */
export const versionsKey = (jobId: string, key: string): string => `${jobToken(jobId)}.${createHash('sha256').update(key).digest('base64url')}`;

/**
 * The versions a `versions: all` job has copied, per key, in the `ferry_versions` KV bucket: which source
 * version ids were written and the destination version id each became ("" when the destination answered
 * none). Copiers add to a key's entry after writing its versions and before reporting them; the lister
 * of the next run reads it, so a re-run writes only versions not copied before (libs/selection/versionPlan.ts).
 * Runs of one job never overlap, so an entry has one writer at a time; writes still check the revision.
 */
export class VersionLog {
  private constructor(private readonly kv: KeyValue) {}

  static async open(nc: NatsConnection): Promise<VersionLog> {
    return new VersionLog(await nc.jetstream().views.kv(KV.versions));
  }

  /** Forgets every key of a job (it was deleted: a job created again under its id starts with nothing copied). */
  static async forget(nc: NatsConnection, jobId: string): Promise<void> {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.purge(`KV_${KV.versions}`, { filter: `$KV.${KV.versions}.${jobToken(jobId)}.>` });
  }

  async copied(jobId: string, key: string): Promise<Map<string, CopiedVersion>> {
    const entry = await this.kv.get(versionsKey(jobId, key));
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return new Map();
    return new Map(Object.entries(decodeJson<CopiedVersions>(entry.value).copied).map(([source, [destination, run]]) => [source, { destination, run }]));
  }

  /**
   * What runs before `run` copied of the key (source → destination version id): what the lister of `run`
   * leaves out. Versions `run` itself copied are not in it, so a listing resumed from a checkpoint plans a
   * key as it did before, and its versions get the same ordinals.
   */
  async copiedBefore(jobId: string, key: string, run: number): Promise<Map<string, string>> {
    const copied = await this.copied(jobId, key);
    return new Map([...copied].filter(([, c]) => c.run < run).map(([source, c]) => [source, c.destination]));
  }

  /** Adds `pairs` (source version id, destination version id) written by `run` to the key's entry. */
  async record(jobId: string, key: string, run: number, pairs: ReadonlyArray<readonly [string, string]>): Promise<void> {
    if (pairs.length === 0) return;
    const kvKey = versionsKey(jobId, key);
    for (let attempt = 0; ; attempt++) {
      const entry = await this.kv.get(kvKey);
      const live = entry && entry.operation === 'PUT' && entry.length > 0;
      const value: CopiedVersions = live ? decodeJson<CopiedVersions>(entry.value) : { key, copied: {} };
      for (const [source, destination] of pairs) value.copied[source] = [destination, run];
      try {
        if (live) await this.kv.update(kvKey, encodeJson(value), entry.revision);
        else await this.kv.create(kvKey, encodeJson(value));
        return;
      } catch (err) {
        if (attempt < CONFLICT_RETRIES && isWrongLastSequence(err)) continue;
        throw err;
      }
    }
  }
}
