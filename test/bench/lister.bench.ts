/**
 * Runs the lister's code path (listRun: list, filter, compare with the destination,
 * publish work items, checkpoint) over a generated bucket on the synthetic S3 endpoint
 * into a real nats-server, and prints listed-and-published objects/s and the peak RSS
 * of the listing process. The S3 endpoint and nats-server run outside that process so
 * its figures are the lister's own.
 * With --manifest, the run reads a generated CSV manifest naming every object instead of listing,
 * each row HEADed at the source and the destination (issue 20 item 3's million-row manifest).
 * The listing process starts with the lister's own V8 flags (services/nodeFlags.ts: an initial old
 * space and smaller semi-spaces, not a cap) and no heap cap (issue 24): its peak RSS is the kernel's VmHWM, read from /proc at the end.
 * LISTER_NODE_OPTIONS replaces those flags (e.g. '--max-old-space-size=96' to try a cap).
 * Run: node dist/test/bench/lister.bench.js [objectCount] [--manifest]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNatsServer } from '../../libs/embedded/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { JobEventStore, PipelinedPublisher, connectNats, ensureTopology } from '../../libs/nats/index.js';
import { listRun } from '../../services/lister/listRun.js';
import { nodeFlags } from '../../services/nodeFlags.js';
import { makeTempDir } from '../harness/tempDir.js';
import { startSyntheticS3 } from './syntheticS3.js';

interface Result {
  objects: number;
  seconds: number;
  peakRssMb: number;
  /** The V8 flags the listing process ran with. */
  execArgv: string[];
  cpuSeconds: number;
}

/** This process's peak resident set (VmHWM, kB in /proc/self/status), in bytes. */
function peakRssBytes(): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (kb === undefined) throw new Error('no VmHWM in /proc/self/status');
  return Number(kb) * 1024;
}

const CHECKPOINT_INTERVAL = 1000;
const MANIFEST = { bucket: 'lists', key: 'rows.csv', format: 'csv', endpoint: 'source' } as const;

function* manifestLines(count: number): Generator<string> {
  for (let i = 0; i < count; i++) yield `source,obj/${String(i).padStart(10, '0')}\n`;
}

async function lister(natsUrl: string, s3Endpoint: string, fromManifest: boolean): Promise<Result> {
  const nc = await connectNats(natsUrl, 'lister-bench', createLogger('warn'));
  await ensureTopology(nc, { replicas: 1 });
  const store = await JobEventStore.open(nc);
  const now = () => ({ now: new Date().toISOString() });
  await store.execute('bench', { type: 'CreateJob', data: { definition: { job_id: 'bench', source_bucket: 'source', destination_bucket: 'sink', ...(fromManifest ? { manifest: MANIFEST } : {}) } }, metadata: now() });
  const { state } = await store.execute('bench', { type: 'StartJob', data: { job_id: 'bench' }, metadata: now() });
  const endpoint = { endpoint: s3Endpoint, region: 'us-east-1', accessKey: 'bench', secretKey: 'bench' };

  const cpuAtStart = process.cpuUsage();
  const started = process.hrtime.bigint();
  const outcome = await listRun(
    { js: nc.jetstream(), publisher: new PipelinedPublisher(nc), store, source: endpoint, destination: endpoint, checkpointInterval: CHECKPOINT_INTERVAL, heartbeat: async () => 'continue', signal: new AbortController().signal },
    state,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRss = peakRssBytes();
  const cpu = process.cpuUsage(cpuAtStart);
  if (outcome !== 'complete') throw new Error(`listing ended ${outcome}`);
  const { state: after } = await store.load('bench');
  await nc.drain();
  return { objects: after.listing.listed_objects, seconds, peakRssMb: peakRss / 2 ** 20, execArgv: process.execArgv, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1_000_000);
  const fromManifest = process.argv.includes('--manifest');
  const tmp = makeTempDir('lister-bench');
  const nats = await startNatsServer({ storeDir: join(tmp.path, 'nats') });
  const s3 = await startSyntheticS3({ buckets: { source: { count, size: 4096 }, sink: { count: 0, size: 0 } },
    recordAccepted: false,
    generatedText: { [`${MANIFEST.bucket}/${MANIFEST.key}`]: () => manifestLines(count) },
  });
  try {
    const child = fork(fileURLToPath(import.meta.url), ['--child', nats.url, s3.endpoint, ...(fromManifest ? ['--manifest'] : [])], { stdio: 'inherit', execArgv: process.env.LISTER_NODE_OPTIONS === undefined ? nodeFlags('lister') : process.env.LISTER_NODE_OPTIONS.split(' ').filter(Boolean) });
    const result = await new Promise<Result>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Result));
      child.once('exit', (code) => reject(new Error(`lister process exited with ${code}`)));
    });
    if (result.objects !== count) throw new Error(`listed ${result.objects} of ${count}`);
    const rate = result.objects / result.seconds;
    console.log(
      JSON.stringify({
        objects: result.objects,
        seconds: Number(result.seconds.toFixed(1)),
        objects_per_sec: Math.round(rate),
        lister_peak_rss_mb: Math.round(result.peakRssMb),
        lister_peak_rss_source: 'VmHWM',
        lister_node_flags: result.execArgv.join(' '),
        lister_cpu_ms_per_1000_objects: Number(((result.cpuSeconds * 1000 * 1000) / result.objects).toFixed(1)),
        list_requests: s3.stats().lists,
        head_requests: s3.stats().heads,
        from_manifest: fromManifest,
        target_objects_per_sec: 10_000,
        target_peak_rss_mb: 150,
      }),
    );
  } finally {
    await s3.stop();
    await nats.stop();
    tmp.remove();
  }
}

if (process.argv[2] === '--child') {
  lister(process.argv[3]!, process.argv[4]!, process.argv.includes('--manifest')).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  await main();
}
