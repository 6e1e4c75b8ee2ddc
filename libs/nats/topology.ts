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
import type { Logger } from '../log/logger.js';
import { KV, OBJECT_STORES, STREAMS, subjects } from './subjects.js';

export interface TopologyOptions {
  replicas: number;
  /** Cap on work items waiting in the work stream (backpressure keeps the lister below it). */
  maxWorkItems?: number;
}

/**
 * How long the work stream remembers a work item's message id: long enough for a lost PubAck's resends
 * (PipelinedPublisher sends again after 5 s), not for a lister's restart. nats-server keeps about 270
 * bytes per id and its id map never shrinks, so the two minutes of the other streams held 67 MB of its
 * 121 MB live heap in a 2,100 objects/s run (deploy/CAPACITY.md). An item published again after this is
 * queued again: copied again, counted once (ARCHITECTURE.md, "Counting exactly once").
 */
export const WORK_DUPLICATE_WINDOW_MS = 20_000;

function streamConfigs({ replicas, maxWorkItems = 1_000_000 }: TopologyOptions): Array<Partial<StreamConfig> & { name: string }> {
  return [
    {
      name: STREAMS.events,
      subjects: [subjects.allJobs, subjects.allOutcomes, subjects.allSummaries, subjects.allBlockMarkers],
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
      duplicate_window: nanos(WORK_DUPLICATE_WINDOW_MS),
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

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }, update: boolean): Promise<void> {
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
  if (update) await jsm.streams.update(config.name, config);
}

/** Every stream Ferry needs: its own, and the ones behind its KV buckets and its object store. */
export const TOPOLOGY_STREAMS: readonly string[] = [
  ...Object.values(STREAMS),
  ...Object.values(KV).map((bucket) => `KV_${bucket}`),
  ...Object.values(OBJECT_STORES).map((store) => `OBJ_${store}`),
];

/**
 * Creates every stream, KV bucket and object store Ferry uses; with `update` (control's start), brings
 * the existing streams' settings (replicas, the work stream's cap) up to date too. Idempotent.
 */
export async function ensureTopology(nc: NatsConnection, options: TopologyOptions, { update = true }: { update?: boolean } = {}): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const config of streamConfigs(options)) await ensureStream(jsm, config, update);
  const js = nc.jetstream();
  // Opening a bucket or store creates it when missing, and leaves an existing one as it is.
  for (const bucket of Object.values(KV)) await js.views.kv(bucket, { history: 1, replicas: options.replicas });
  await js.views.os(OBJECT_STORES.projector, { replicas: options.replicas });
}

/** The streams of TOPOLOGY_STREAMS that do not exist (yet). */
export async function missingTopology(nc: NatsConnection): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  const missing: string[] = [];
  for (const name of TOPOLOGY_STREAMS) if (!(await unlessJetStreamError(jsm.streams.info(name), JS_ERR.streamNotFound))) missing.push(name);
  return missing;
}

/**
 * Every service but control: returns once the whole topology exists. What is missing it creates itself
 * (never changing what exists: that is control's, at its start); where its NATS user may not create
 * streams (a secured deployment, deploy/nats), the attempt is refused and it waits for control to.
 */
export async function awaitTopology(nc: NatsConnection, options: TopologyOptions, log: Logger, retryMs = 1000): Promise<void> {
  let lastWarned = 0;
  for (;;) {
    const missing = await missingTopology(nc);
    if (missing.length === 0) return;
    try {
      await ensureTopology(nc, options, { update: false });
    } catch (err) {
      if (Date.now() - lastWarned > 30_000) {
        lastWarned = Date.now();
        log.warn({ missing, err: String(err) }, 'waiting for control to create the NATS streams and buckets');
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}

/** True when every stream exists: what /readyz reports. */
export async function topologyPresent(nc: NatsConnection): Promise<boolean> {
  const jsm = await nc.jetstreamManager();
  for (const name of Object.values(STREAMS)) {
    if (!(await unlessJetStreamError(jsm.streams.info(name), JS_ERR.streamNotFound))) return false;
  }
  return true;
}
