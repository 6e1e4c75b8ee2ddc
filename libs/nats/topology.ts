import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  nanos,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import { JS_ERR, jetStreamErrorCode, unlessJetStreamError } from './errors.js';
import { KV, OBJECT_STORES, STREAMS, subjects } from './subjects.js';

export interface TopologyOptions {
  replicas: number;
  /** Cap on work items waiting in the work stream (backpressure keeps the lister below it). */
  maxWorkItems?: number;
}

function streamConfigs({ replicas, maxWorkItems = 1_000_000 }: TopologyOptions): Array<Partial<StreamConfig> & { name: string }> {
  return [
    {
      name: STREAMS.events,
      subjects: [subjects.allJobs, subjects.allOutcomes, subjects.allSummaries],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      duplicate_window: nanos(2 * 60_000),
    },
    {
      name: STREAMS.work,
      subjects: [subjects.allWork],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: replicas,
      max_msgs: maxWorkItems,
      discard: DiscardPolicy.New,
      duplicate_window: nanos(2 * 60_000),
    },
    {
      name: STREAMS.tasks,
      subjects: [subjects.allListTasks],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: replicas,
      duplicate_window: nanos(2 * 60_000),
    },
  ];
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (err) {
    if (jetStreamErrorCode(err) !== JS_ERR.streamNotFound) throw err;
    try {
      await jsm.streams.add(config);
      return;
    } catch (err) {
      // Another process created it first.
      if (jetStreamErrorCode(err) !== JS_ERR.streamNameExists) throw err;
    }
  }
  await jsm.streams.update(config.name, config);
}

/** Creates (or brings up to date) every stream, KV bucket and object store Ferry uses. Idempotent. */
export async function ensureTopology(nc: NatsConnection, options: TopologyOptions): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const config of streamConfigs(options)) await ensureStream(jsm, config);
  const js = nc.jetstream();
  await js.views.kv(KV.jobs, { history: 1, replicas: options.replicas });
  await js.views.kv(KV.secrets, { history: 1, replicas: options.replicas });
  await js.views.kv(KV.rateLimits, { history: 1, replicas: options.replicas });
  await js.views.kv(KV.scheduler, { history: 1, replicas: options.replicas });
  await js.views.os(OBJECT_STORES.projector, { replicas: options.replicas });
}

/** True when every stream exists: what /readyz reports. */
export async function topologyPresent(nc: NatsConnection): Promise<boolean> {
  const jsm = await nc.jetstreamManager();
  for (const name of Object.values(STREAMS)) {
    if (!(await unlessJetStreamError(jsm.streams.info(name), JS_ERR.streamNotFound))) return false;
  }
  return true;
}
