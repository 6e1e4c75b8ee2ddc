import type { KV as KeyValue, NatsConnection } from 'nats';
import type { SlotHolder } from '../../../libs/domain/index.js';
import { KV, decodeJson, encodeJson, isWrongLastSequence } from '../../../libs/nats/index.js';

const KEY = 'slots';

export interface SlotsEntry {
  holders: SlotHolder[];
  /** 0 when the entry does not exist yet. */
  revision: number;
}

/**
 * The one serialization point of scheduling: a KV entry holding the jobs that hold a
 * max_concurrent_jobs slot. Every change carries the revision it was computed from, so of
 * two schedulers deciding at once only one wins; the other reads again.
 */
export class SlotStore {
  private constructor(private readonly kv: KeyValue) {}

  static async open(nc: NatsConnection): Promise<SlotStore> {
    return new SlotStore(await nc.jetstream().views.kv(KV.scheduler));
  }

  async read(): Promise<SlotsEntry> {
    const entry = await this.kv.get(KEY);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return { holders: [], revision: entry?.revision ?? 0 };
    return { holders: decodeJson<{ holders: SlotHolder[] }>(entry.value).holders, revision: entry.revision };
  }

  /** Writes `holders` if nobody changed the entry since `from`; false when someone did. */
  async write(from: SlotsEntry, holders: SlotHolder[]): Promise<boolean> {
    try {
      if (from.revision === 0) await this.kv.create(KEY, encodeJson({ holders }));
      else await this.kv.update(KEY, encodeJson({ holders }), from.revision);
      return true;
    } catch (err) {
      if (isWrongLastSequence(err)) return false;
      throw err;
    }
  }
}
