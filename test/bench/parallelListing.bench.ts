/**
 * Issue 24 item 2: how much faster one job is listed when its key space is split into ranges that
 * several listers list at once. A generated bucket on the synthetic S3 endpoint, which answers each
 * listing request `--list-delay-ms` late (20 ms, as a remote S3 does); a real nats-server; Ferry lister
 * processes and no copiers (the work items wait in the stream: FERRY_MAX_WAITING_ITEMS is above the
 * object count). Three set-ups, each on a fresh nats-server:
 *   - whole:     one lister, the run listed whole (ferry.lister.split_ranges 1, as before the split);
 *   - split-1:   one lister, the run split into `--ranges` ranges (it lists 4 at once);
 *   - split-N:   `--listers` listers, the run split the same way.
 * Each is timed from the run's start to ListingCompleted, with the listers' and nats-server's CPU and the
 * listers' peak RSS (VmHWM). Counts must be exact: every object listed once.
 * Run: node dist/test/bench/parallelListing.bench.js [--objects 1000000] [--listers 4] [--ranges 16] [--list-delay-ms 20]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startNatsServer } from '../../libs/embedded/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { JobEventStore, connectNats, ensureTopology, publishListTask } from '../../libs/nats/index.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor } from '../harness/waitFor.js';
import { processCpuSeconds } from './compare/measure.js';
import { startSyntheticS3, type SyntheticS3 } from './syntheticS3.js';

const { values: args } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000000' },
    listers: { type: 'string', default: '4' },
    ranges: { type: 'string', default: '16' },
    'list-delay-ms': { type: 'string', default: '20' },
  },
});
const OBJECTS = Number(args.objects);
const LISTERS = Number(args.listers);
const RANGES = Number(args.ranges);

interface SetUp {
  name: string;
  listers: number;
  ranges: number;
}

function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) / 1024;
}

async function listOnce(s3: SyntheticS3, setUp: SetUp): Promise<Record<string, unknown>> {
  const tmp = makeTempDir('parallel-listing-bench');
  const nats = await startNatsServer({ storeDir: join(tmp.path, 'nats') });
  const listers: FerryProcess[] = [];
  const nc = await connectNats(nats.url, 'parallel-listing-bench', createLogger('warn'));
  try {
    await ensureTopology(nc, { replicas: 1 });
    const store = await JobEventStore.open(nc);
    const metadata = () => ({ now: new Date().toISOString() });
    await store.execute('wide', { type: 'CreateJob', data: { definition: { job_id: 'wide', source_bucket: 'source', destination_bucket: 'sink' } }, metadata: metadata() });
    const extraEnv = {
      FERRY_SOURCE_TAGGING_COUNT_HEADER: 'true',
      FERRY_MAX_WAITING_ITEMS: String(Math.min(10_000_000, OBJECTS + 1000)),
      FERRY_MAX_WORK_ITEMS: String(Math.max(1_000_000, OBJECTS + 1000)),
      FERRY_LISTER_SPLIT_RANGES: String(setUp.ranges),
    };
    for (let i = 0; i < setUp.listers; i++) listers.push(await startFerry('lister', { natsUrl: nats.url, sourceEndpoint: s3.endpoint, dataDir: join(tmp.path, 'ferry'), extraEnv }));
    const cpuBefore = listers.map((l) => processCpuSeconds(l.child.pid!));
    const natsCpuBefore = processCpuSeconds(nats.child.pid!);
    const listsBefore = s3.stats().lists;
    const endpointCpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const { state } = await store.execute('wide', { type: 'StartJob', data: { job_id: 'wide' }, metadata: metadata() });
    await publishListTask(nc.jetstream(), { job_id: 'wide', run: state.run });
    const listed = await waitFor('the listing to complete', async () => {
      const now = (await store.load('wide')).state;
      return now.listing.complete ? now : undefined;
    }, 3600_000, 200);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const listerCpu = listers.reduce((sum, l, i) => sum + processCpuSeconds(l.child.pid!) - cpuBefore[i]!, 0);
    const natsCpu = processCpuSeconds(nats.child.pid!) - natsCpuBefore;
    const endpointCpu = process.cpuUsage(endpointCpuBefore);
    if (listed.listing.listed_objects !== OBJECTS) throw new Error(`${setUp.name}: listed ${listed.listing.listed_objects} of ${OBJECTS}`);
    return {
      set_up: setUp.name,
      listers: setUp.listers,
      ranges: listed.listing.ranges?.length ?? 1,
      objects: listed.listing.listed_objects,
      seconds: Number(seconds.toFixed(1)),
      objects_per_sec: Math.round(OBJECTS / seconds),
      list_requests: s3.stats().lists - listsBefore,
      lister_cpu_s: Number(listerCpu.toFixed(1)),
      nats_server_cpu_s: Number(natsCpu.toFixed(1)),
      synthetic_endpoint_cpu_s: Number(((endpointCpu.user + endpointCpu.system) / 1e6).toFixed(1)),
      lister_peak_rss_mib: listers.map((l) => Math.round(peakRssMiB(l.child.pid!))),
    };
  } finally {
    await Promise.all(listers.map((l) => l.kill()));
    await nc.close();
    await nats.stop();
    tmp.remove();
  }
}

const s3 = await startSyntheticS3({ buckets: { source: { count: OBJECTS, size: 4096, tags: () => undefined }, sink: { count: 0, size: 0 } }, recordAccepted: false, listDelayMs: Number(args['list-delay-ms']) });
try {
  const results: Array<Record<string, unknown>> = [];
  for (const setUp of [
    { name: 'whole', listers: 1, ranges: 1 },
    { name: 'split-1', listers: 1, ranges: RANGES },
    { name: `split-${LISTERS}`, listers: LISTERS, ranges: RANGES },
  ]) {
    const result = await listOnce(s3, setUp);
    console.log(JSON.stringify(result));
    results.push(result);
  }
  const rate = (name: string) => Number(results.find((r) => String(r.set_up).startsWith(name))!.objects_per_sec);
  console.log(JSON.stringify({ list_delay_ms: Number(args['list-delay-ms']), speedup_split_1_vs_whole: Number((rate('split-1') / rate('whole')).toFixed(2)), [`speedup_split_${LISTERS}_vs_whole`]: Number((rate(`split-${LISTERS}`) / rate('whole')).toFixed(2)), target: 3 }));
} finally {
  await s3.stop();
}
