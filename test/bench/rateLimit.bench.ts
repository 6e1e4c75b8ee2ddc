/**
 * Shared rate limit across copier processes (issue 5): one job limited to 20 MiB/s,
 * served by 3 copier processes, then by 1, then with copiers killed and added mid-job.
 * Measures the bytes the destination receives per second over 30 s windows.
 * Then (issue 18) the same cap for both copy paths with 3 copiers: streamed between two
 * endpoints, and server-side inside one s3rver, where the rate is the job's completed bytes.
 *
 *   node dist/test/bench/rateLimit.bench.js [--seconds 30] [--paths-only]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startNatsServer } from '../../libs/embedded/index.js';
import { closeSdkClients, sdkClient } from '../../libs/s3/index.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { startS3Fixture } from '../harness/s3Fixture.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor } from '../harness/waitFor.js';
import { startSyntheticS3, type SyntheticS3 } from './syntheticS3.js';

const MiB = 1024 * 1024;
const LIMIT = Number(process.env.BENCH_RATE_LIMIT ?? 20 * MiB);
/** Lower for the path comparison, so its server-side objects fit comfortably on s3rver's disk. */
const PATHS_LIMIT = Number(process.env.BENCH_PATHS_RATE_LIMIT ?? 3 * MiB);
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, 'paths-only': { type: 'boolean', default: false } } });
const windowSeconds = Number(values.seconds);

async function measure(destination: SyntheticS3, seconds: number): Promise<number> {
  return measureBy(() => destination.stats().bytesIn, seconds);
}

/** Bytes per second of a counter over a window. */
async function measureBy(bytes: () => number | Promise<number>, seconds: number): Promise<number> {
  const start = await bytes();
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return ((await bytes()) - start) / ((Date.now() - started) / 1000);
}

const row = (name: string, limit: number, rate: number) => {
  const deviation = ((rate - limit) / limit) * 100;
  console.log(`| ${name} | ${(limit / MiB).toFixed(1)} | ${(rate / MiB).toFixed(2)} | ${deviation >= 0 ? '+' : ''}${deviation.toFixed(1)}% |`);
};

async function scenario(name: string, copiers: number, limit: number, adjust?: (cluster: { add(): Promise<void>; killOne(): Promise<void> }) => Promise<void>) {
  const dir = makeTempDir('bench-rate');
  const nats = await startNatsServer({ storeDir: join(dir.path, 'nats') });
  // Enough 1 MiB objects to outlast warm-up plus the window at the limit.
  const count = Math.ceil(((windowSeconds + 15) * limit) / MiB);
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
      rate_limit_bytes_per_sec: limit,
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
    row(name, limit, rate);
  } finally {
    await Promise.all(processes.map((p) => p.kill()));
    await source.stop();
    await destination.stop();
    await nats.stop();
    dir.remove();
  }
}

/** A same-cluster job on s3rver: every byte is moved by CopyObject, none through a copier. */
async function serverSideScenario(name: string, copiers: number, limit: number) {
  const dir = makeTempDir('bench-rate-ss');
  const nats = await startNatsServer({ storeDir: join(dir.path, 'nats') });
  const s3 = await startS3Fixture(['src', 'dst']);
  const count = Math.ceil(((windowSeconds + 15) * limit) / MiB);
  const body = Buffer.alloc(MiB, 7);
  for (let i = 0; i < count; i += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, count - i) }, (_, j) =>
        sdkClient(s3.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: `o/${String(i + j).padStart(6, '0')}`, Body: body })),
      ),
    );
  }
  const env = { natsUrl: nats.url, sourceEndpoint: s3.server.endpoint, dataDir: join(dir.path, 'ferry') };
  const processes: FerryProcess[] = [];
  const start = async (target: string) => {
    const p = await startFerry(target, env);
    processes.push(p);
    return p;
  };
  const control = await start('control');
  await start('projector');
  await start('lister');
  for (let i = 0; i < copiers; i++) await start('copier');
  try {
    const job = {
      job_id: `rate-ss-${copiers}`,
      source_bucket: 'src',
      destination_bucket: 'dst',
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
      rate_limit_bytes_per_sec: limit,
    };
    const created = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', job);
    if (created.status !== 200) throw new Error(JSON.stringify(created.body));
    await rest(control.httpPort!, 'POST', `/admin/batch/jobs/${job.job_id}/start`);
    const completed = async () => {
      const { body: state } = await rest(control.httpPort!, 'GET', `/admin/batch/jobs/${job.job_id}`);
      return Number((state.progress as { completed_bytes?: number } | undefined)?.completed_bytes ?? 0);
    };
    await waitFor('bytes copied', async () => ((await completed()) > 5 * MiB ? true : undefined), 60_000);
    await measureBy(completed, 3); // warm-up
    row(name, limit, await measureBy(completed, windowSeconds));
  } finally {
    await Promise.all(processes.map((p) => p.kill()));
    closeSdkClients();
    await s3.stop();
    await nats.stop();
    dir.remove();
  }
}

console.log(`| scenario (${windowSeconds} s window) | limit MiB/s | measured MiB/s | deviation |`);
console.log('|---|---|---|---|');
if (!values['paths-only']) {
  await scenario('3 copier processes', 3, LIMIT);
  await scenario('1 copier process', 1, LIMIT);
  await scenario('3 copiers, one killed and two added mid-window', 3, LIMIT, async (cluster) => {
    await cluster.killOne();
    await cluster.add();
    await cluster.add();
  });
}
await scenario('streamed, 3 copiers', 3, PATHS_LIMIT);
await serverSideScenario('server-side (CopyObject), 3 copiers', 3, PATHS_LIMIT);
