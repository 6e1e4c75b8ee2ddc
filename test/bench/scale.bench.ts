/**
 * A job of a million objects through the whole pipeline (issue 10): a real nats-server, Ferry's
 * control, projector, lister and copier processes, a synthetic source that generates its listing
 * and bodies, and a synthetic sink that counts and drops what is written. Reports objects/s end to
 * end, the peak RSS of every process (VmHWM, nats-server's included), the JetStream store's peak size (its
 * messages' bytes, and what they occupy on disk), the JetStream
 * messages published per object, and checks the final counts are exact.
 *
 * Run: node dist/test/bench/scale.bench.js [--objects 1000000] [--copiers 2] [--size 1024] [--concurrency 64] [--cluster]
 *   [--checkpoint-outcomes N] (FERRY_CHECKPOINT_OUTCOMES for the projector; Ferry's default when absent)
 *   [--nats-profile PORT] (one node: nats-server serves Go's pprof there, e.g. /debug/pprof/heap?debug=1,
 *   whose counts are samples, one per 512 KiB allocated on average, not scaled to totals; deploy/CAPACITY.md)
 *
 * --cluster: a 3-node JetStream cluster on loopback, every stream with 3 replicas (FERRY_NATS_REPLICAS=3);
 * nats-server's CPU is then the three nodes' sum (and each node's apart), and the store is the sum of one replica's streams.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, type JetStreamManager } from 'nats';
import { startNatsServer } from '../../libs/embedded/index.js';
import { startNatsCluster } from '../harness/natsCluster.js';
import { STREAMS } from '../../libs/nats/index.js';
import { directoryBytes } from '../harness/directoryBytes.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor } from '../harness/waitFor.js';
import { processCpuSeconds } from './compare/measure.js';
import { startSyntheticS3 } from './syntheticS3.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000000' },
    copiers: { type: 'string', default: '2' },
    size: { type: 'string', default: '1024' },
    concurrency: { type: 'string', default: '64' },
    cluster: { type: 'boolean', default: false },
    'checkpoint-outcomes': { type: 'string' },
    'nats-profile': { type: 'string' },
  },
});
const OBJECTS = Number(values.objects);
const COPIERS = Number(values.copiers);
const SIZE = Number(values.size);
const CONCURRENCY = Number(values.concurrency);
const CLUSTER = values.cluster === true;
const MiB = 2 ** 20;

/** Peak resident set size of a live process, from the kernel's high-water mark. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) / 1024;
}

async function streamTotals(jsm: JetStreamManager): Promise<{ lastSeqs: Map<string, number>; bytes: number }> {
  const lastSeqs = new Map<string, number>();
  let bytes = 0;
  for (const info of await jsm.streams.list().next()) {
    lastSeqs.set(info.config.name, info.state.last_seq);
    bytes += info.state.bytes;
  }
  return { lastSeqs, bytes };
}

async function main(): Promise<void> {
  const tmp = makeTempDir('scale-bench');
  const profile = values['nats-profile'] === undefined ? [] : ['--profile', values['nats-profile']];
  const nats = CLUSTER ? await startNatsCluster(tmp.path) : await startNatsServer({ storeDir: join(tmp.path, 'nats'), args: profile });
  const storeDirs = CLUSTER ? [1, 2, 3].map((i) => join(tmp.path, `nats-${i}`)) : [join(tmp.path, 'nats')];
  const natsPids = 'nodes' in nats ? nats.nodes.map((node) => node.child.pid!) : [nats.child.pid!];
  const natsCpuSeconds = () => natsPids.map((pid) => processCpuSeconds(pid));
  const source = await startSyntheticS3({ buckets: { source: { count: OBJECTS, size: SIZE, tags: () => undefined } }, recordAccepted: false });
  const sink = await startSyntheticS3({ buckets: {}, recordAccepted: false });
  const processes: Array<{ role: string; proc: FerryProcess }> = [];
  const nc = await connect({ servers: nats.url.split(',') });
  try {
    await fetch(`${sink.endpoint}/sink`, { method: 'PUT' });
    const checkpointOutcomes = values['checkpoint-outcomes'];
    const env = {
      natsUrl: nats.url,
      sourceEndpoint: source.endpoint,
      dataDir: join(tmp.path, 'ferry'),
      extraEnv: { FERRY_NATS_REPLICAS: CLUSTER ? '3' : '1', ...(checkpointOutcomes === undefined ? {} : { FERRY_CHECKPOINT_OUTCOMES: checkpointOutcomes }) },
    };
    for (const role of ['control', 'projector', 'lister', ...Array.from({ length: COPIERS }, () => 'copier')]) {
      processes.push({ role, proc: await startFerry(role, env) });
    }
    const port = processes[0]!.proc.httpPort!;
    const jsm = await nc.jetstreamManager();

    const job = {
      job_id: 'scale',
      source_bucket: 'source',
      destination_bucket: 'sink',
      destination_endpoint: sink.endpoint,
      destination_access_key: 'SYNTHETIC',
      destination_secret_key: 'SYNTHETIC',
      concurrency: CONCURRENCY,
    };
    const created = await rest(port, 'POST', '/admin/batch/jobs', job);
    if (created.status !== 200) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    const before = await streamTotals(jsm);
    let peakStoreBytes = before.bytes;
    let peakDiskBytes = 0;
    let peakWaiting = 0;
    const sampler = setInterval(() => {
      streamTotals(jsm)
        .then(({ bytes }) => (peakStoreBytes = Math.max(peakStoreBytes, bytes)))
        .catch(() => undefined);
      // What the stores occupy on disk, the largest replica's: nats-server 2.9 keeps a block file until every message in it is gone
      // or a single-message delete rewrites it, and its account storage figure does not drop when one is rewritten.
      peakDiskBytes = Math.max(peakDiskBytes, ...storeDirs.map(directoryBytes));
      jsm.streams
        .info(STREAMS.work)
        .then((info) => (peakWaiting = Math.max(peakWaiting, info.state.messages)))
        .catch(() => undefined);
    }, 1000);

    const cpuBefore = processes.map(({ proc }) => processCpuSeconds(proc.child.pid!));
    const natsCpuBefore = natsCpuSeconds();
    const started = process.hrtime.bigint();
    const start = await rest(port, 'POST', '/admin/batch/jobs/scale/start');
    if (start.status !== 200) throw new Error(`start: ${start.status} ${JSON.stringify(start.body)}`);
    let lastReport = 0;
    const view = await waitFor(
      'the job to end',
      async () => {
        const v = (await rest(port, 'GET', '/admin/batch/jobs/scale')).body;
        const done = Number(v.progress.completed_objects) + Number(v.progress.skipped_objects) + Number(v.progress.failed_objects);
        if (Date.now() - lastReport > 30_000) {
          lastReport = Date.now();
          process.stderr.write(`${new Date().toISOString()} ${v.status} ${done}/${OBJECTS}\n`);
        }
        return ['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined;
      },
      6 * 3600_000,
      1000,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = processes.map(({ proc }, i) => processCpuSeconds(proc.child.pid!) - cpuBefore[i]!);
    const natsCpuPerNode = natsCpuSeconds().map((seconds, i) => seconds - natsCpuBefore[i]!);
    const natsCpu = natsCpuPerNode.reduce((sum, seconds) => sum + seconds, 0);
    const after = await streamTotals(jsm);
    // Retention: the finished run's outcome batches are replaced by a summary and purged.
    const compacted = await waitFor('the run to be compacted', async () => {
      const v = (await rest(port, 'GET', '/admin/batch/jobs/scale')).body;
      return v.runs?.[0]?.outcomes_compacted ? v : undefined;
    });
    clearInterval(sampler);
    const afterCompaction = await streamTotals(jsm);

    const published = (name: string) => (after.lastSeqs.get(name) ?? 0) - (before.lastSeqs.get(name) ?? 0);
    const eventsAndWork = published(STREAMS.events) + published(STREAMS.work);
    const allStreams = [...after.lastSeqs.keys()].reduce((sum, name) => sum + published(name), 0);
    const p = view.progress;
    const accepted = sink.accepted('sink') as number;
    const exact = view.status === 'completed' && Number(p.completed_objects) === OBJECTS && Number(p.total_objects) === OBJECTS && Number(p.failed_objects) === 0;
    const rss = processes.map(({ role, proc }) => ({ role, peakRssMiB: Math.round(peakRssMiB(proc.child.pid!)) }));
    const natsRss = natsPids.map((pid, i) => ({ role: natsPids.length > 1 ? `nats-server-${i}` : 'nats-server', peakRssMiB: Math.round(peakRssMiB(pid)) }));
    const names = processes.map(({ role }, i) => (role === 'copier' ? `copier-${processes.slice(0, i).filter((p) => p.role === 'copier').length}` : role));
    const perObjectMs = (cpuSeconds: number) => Number(((cpuSeconds * 1000) / OBJECTS).toFixed(3));
    const result = {
      objects: OBJECTS,
      object_size: SIZE,
      copiers: COPIERS,
      concurrency: CONCURRENCY,
      nats: CLUSTER ? '3-node cluster, replicas 3' : 'one node, replicas 1',
      checkpoint_outcomes: checkpointOutcomes ?? 'default',
      status: view.status,
      seconds: Number(seconds.toFixed(1)),
      objects_per_second: Math.round(OBJECTS / seconds),
      completed_objects: Number(p.completed_objects),
      exact_counts: exact,
      puts_at_sink: accepted,
      peak_rss_mib: { ...Object.fromEntries(names.map((name, i) => [name, rss[i]!.peakRssMiB])), ...Object.fromEntries(natsRss.map((r) => [r.role, r.peakRssMiB])) },
      cpu_ms_per_object: { ...Object.fromEntries(names.map((name, i) => [name, perObjectMs(cpu[i]!)])), 'nats-server': perObjectMs(natsCpu) },
      // A cluster's stream leaders do more than their followers: each node apart shows how the work is spread.
      ...(CLUSTER ? { nats_cpu_ms_per_object_by_node: natsCpuPerNode.map(perObjectMs) } : {}),
      peak_jetstream_store_mib: Number((peakStoreBytes / MiB).toFixed(1)),
      // On disk: the bytes of every file in the store directory (per node, the largest).
      peak_jetstream_disk_mib: Number((peakDiskBytes / MiB).toFixed(1)),
      jetstream_store_at_end_mib: Number((after.bytes / MiB).toFixed(1)),
      jetstream_store_after_compaction_mib: Number((afterCompaction.bytes / MiB).toFixed(2)),
      peak_waiting_work_items: peakWaiting,
      msgs_per_object_events_and_work: Number((eventsAndWork / OBJECTS).toFixed(3)),
      msgs_per_object_all_streams: Number((allStreams / OBJECTS).toFixed(3)),
      outcomes_compacted: compacted.runs[0].outcomes_compacted === true,
    };
    console.log(JSON.stringify(result, null, 2));
    const misses = [
      ...[...rss, ...natsRss].filter((r) => r.peakRssMiB > 250).map((r) => `${r.role} peak RSS ${r.peakRssMiB} MiB > 250`),
      ...(result.peak_jetstream_store_mib > 1024 ? [`JetStream store peaked at ${result.peak_jetstream_store_mib} MiB > 1 GiB`] : []),
      ...(result.peak_jetstream_disk_mib > 1024 ? [`JetStream store peaked at ${result.peak_jetstream_disk_mib} MiB on disk > 1 GiB`] : []),
      ...(exact ? [] : ['final counts are not exact']),
    ];
    for (const miss of misses) console.log(`MISS ${miss}`);
    if (misses.length === 0) console.log('PASS every process ≤ 250 MB RSS, JetStream store ≤ 1 GB, exact counts');
    process.exitCode = misses.length === 0 ? 0 : 1;
  } finally {
    await nc.close();
    for (const { proc } of processes.reverse()) await proc.stop();
    await Promise.all([source.stop(), sink.stop()]);
    await nats.stop();
    tmp.remove();
  }
}

await main();
