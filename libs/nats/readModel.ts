import type { JetStreamManager, KV as KeyValue, NatsConnection } from 'nats';
import type { JobView } from '../domain/index.js';
import { decodeJson, encodeJson } from './codec.js';
import { KV, jobToken } from './subjects.js';

/** The projector's output: one KV entry per job holding its JobView. Only the projector writes it. */
export class ReadModel {
  private constructor(
    readonly kv: KeyValue,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nc: NatsConnection): Promise<ReadModel> {
    return new ReadModel(await nc.jetstream().views.kv(KV.jobs), await nc.jetstreamManager());
  }

  async get(jobId: string): Promise<JobView | undefined> {
    const entry = await this.kv.get(jobToken(jobId));
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return decodeJson<JobView>(entry.value);
  }

  async put(jobId: string, view: JobView): Promise<void> {
    await this.kv.put(jobToken(jobId), encodeJson(view));
  }

  async remove(jobId: string): Promise<void> {
    await this.kv.purge(jobToken(jobId));
  }

  async all(): Promise<JobView[]> {
    const views: JobView[] = [];
    // Not kv.keys(): on nats-server 2.9.10 it can end after the first key once entries have been rewritten
    // many times (the consumer's pending count is wrong), which hid jobs from the list. The stream's subject map is exact.
    const prefix = `$KV.${KV.jobs}.`;
    const info = await this.jsm.streams.info(`KV_${KV.jobs}`, { subjects_filter: `${prefix}>` });
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const entry = await this.kv.get(subject.slice(prefix.length));
      if (entry && entry.operation === 'PUT' && entry.length > 0) views.push(decodeJson<JobView>(entry.value));
    }
    return views;
  }

  /**
   * Every change to any job, starting with the current value of each: how copiers and listers learn job states.
   * `loaded` is called once the values the bucket held when the watch began have all been handed to
   * `onChange`; `ended` when the watch ends other than by stop() (the connection closed, or the watch failed:
   * without `ended`, a failure is thrown).
   */
  async watch(onChange: (token: string, view: JobView | undefined) => void, { loaded, ended }: WatchHooks = {}): Promise<{ stop(): void }> {
    // The watch hands the current values on in stream order, so the one at the stream's last sequence comes last.
    const { state } = loaded ? await this.jsm.streams.info(`KV_${KV.jobs}`) : { state: undefined };
    let loadedUpTo = state && state.messages > 0 ? state.last_seq : 0;
    if (loaded && loadedUpTo === 0) loaded();
    let stopped = false;
    const iterator = await this.kv.watch();
    void (async () => {
      try {
        for await (const entry of iterator) {
          onChange(entry.key, entry.operation === 'PUT' && entry.length > 0 ? decodeJson<JobView>(entry.value) : undefined);
          if (loadedUpTo > 0 && entry.revision >= loadedUpTo) {
            loadedUpTo = 0;
            loaded?.();
          }
        }
      } catch (err) {
        if (!ended) throw err;
        ended(err);
        return;
      }
      if (!stopped) ended?.();
    })();
    return {
      stop: () => {
        stopped = true;
        iterator.stop();
      },
    };
  }
}

export interface WatchHooks {
  loaded?: () => void;
  ended?: (err?: unknown) => void;
}
