/**
 * Shared rate limit across copier processes (issue 5): one job limited to 20 MiB/s,
 * served by 3 copier processes, then by 1, then with copiers killed and added mid-job.
 * Measures the bytes the destination receives per second over 30 s windows.
 *
 *   node dist/test/bench/rateLimit.bench.js [--seconds 30]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startNatsServer } from '../../libs/embedded/index.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor } from '../harness/waitFor.js';
import { startSyntheticS3, type SyntheticS3 } from './syntheticS3.js';

const MiB = 1024 * 1024;
const LIMIT = Number(process.env.BENCH_RATE_LIMIT ?? 20 * MiB);
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' } } });
const windowSeconds = Number(values.seconds);

async function measure(destination: SyntheticS3, seconds: number): Promise<number> {
  const start = destination.stats().bytesIn;
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return (destination.stats().bytesIn - start) / ((Date.now() - started) / 1000);
}

async function scenario(name: string, copiers: number, adjust?: (cluster: { add(): Promise<void>; killOne(): Promise<void> }) => Promise<void>) {
  const dir = makeTempDir('bench-rate');
  const nats = await startNatsServer({ storeDir: join(dir.path, 'nats') });
  // Enough 1 MiB objects to outlast warm-up plus the window at the limit.
  const count = Math.ceil(((windowSeconds + 15) * LIMIT) / MiB);
  const source = await startSyntheticS3({ buckets: { src: { count, size: MiB } } });
  const destination = await startSyntheticS3({ buckets: {}, recordAccepted: false });
  await fetch(`${destination.endpoint}/dst`, { method: 'PUT' }); // CreateBucket
  const env = { natsUrl: nats.url, sourceEndpoint: source.endpoint, dataDir: join(dir.path, 'ferry') };
  const processes: FerryProcess[] = [];
  const start = async (target: string) => {
    const p = await startFerry(target, env);
    processes.push(p);
    return p;
  };
  const control = await start('control');
  await start('projector');
  await start('lister');
  const copierProcs: FerryProcess[] = [];
  for (let i = 0; i < copiers; i++) copierProcs.push(await start('copier'));
  try {
    const job = {
      job_id: `rate-${copiers}`,
      source_bucket: 'src',
      destination_bucket: 'dst',
      destination_endpoint: destination.endpoint,
      destination_access_key: 'x',
      destination_secret_key: 'y',
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
      rate_limit_bytes_per_sec: LIMIT,
    };
    const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', job);
    if (created.status !== 200) throw new Error(JSON.stringify(created.body));
    await rest(control.httpPort!, 'POST', `/admin/batch/jobs/${job.job_id}/start`);
    await waitFor('bytes flowing', async () => (destination.stats().bytesIn > 5 * MiB ? true : undefined), 60_000).catch(async (err) => {
      throw new Error(`${err}: ${JSON.stringify((await rest(control.httpPort!, 'GET', `/admin/batch/jobs/${job.job_id}`)).body)}`);
    });
    await measure(destination, 3); // warm-up
    let rate: number;
    if (adjust) {
      const halves = await Promise.all([
        measure(destination, windowSeconds),
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, (windowSeconds * 1000) / 3));
          await adjust({
            add: async () => void copierProcs.push(await start('copier')),
            killOne: async () => copierProcs.shift()!.kill(),
          });
        })(),
      ]);
      rate = halves[0];
    } else {
      rate = await measure(destination, windowSeconds);
    }
    const { body: state } = await rest(control.httpPort!, 'GET', `/admin/batch/jobs/${job.job_id}`);
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(state.progress), state.status, copierProcs.map((p) => p.output().slice(-1500)).join('\n---\n'));
    const deviation = ((rate - LIMIT) / LIMIT) * 100;
    console.log(`| ${name} | ${(LIMIT / MiB).toFixed(1)} | ${(rate / MiB).toFixed(2)} | ${deviation >= 0 ? '+' : ''}${deviation.toFixed(1)}% |`);
  } finally {
    await Promise.all(processes.map((p) => p.kill()));
    await source.stop();
    await destination.stop();
    await nats.stop();
    dir.remove();
  }
}

console.log(`| scenario (${windowSeconds} s window) | limit MiB/s | measured MiB/s | deviation |`);
console.log('|---|---|---|---|');
await scenario('3 copier processes', 3);
await scenario('1 copier process', 1);
await scenario('3 copiers, one killed and two added mid-window', 3, async (cluster) => {
  await cluster.killOne();
  await cluster.add();
  await cluster.add();
});
