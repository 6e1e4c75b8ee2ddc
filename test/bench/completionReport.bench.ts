/**
 * Memory and speed of the completion report writer (issue 20 item 4): seeds one ended run of N outcomes
 * (default 1,000,000; every 10th failed) into a real nats-server, then writes its report (scope all) to a
 * real s3rver from a child process, as a lister does, and prints rows/s and that process's peak RSS. The
 * writer holds one 8 MiB part per open file and a few dozen outcome batches, so its RSS must not grow with N.
 * Run: node dist/test/bench/completionReport.bench.js [outcomes=1000000]   (make bench-report)
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectOutcome } from '../../libs/domain/index.js';
import { startNatsServer, startS3rver } from '../../libs/embedded/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { JobEventStore, connectNats, ensureTopology } from '../../libs/nats/index.js';
import { closeSdkClients } from '../../libs/s3/index.js';
import { writeRunReport } from '../../services/lister/completionReport.js';
import { seedRun } from '../harness/outcomeSeed.js';
import { createBucket, testS3Client } from '../harness/s3TestClient.js';
import { makeTempDir } from '../harness/tempDir.js';

const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
const JOB = 'report-bench';

if (process.argv[2] === '--write') await write(process.argv[3]!, process.argv[4]!);
else await main(Number(process.argv[2] ?? 1_000_000));

/** Child: writes the report and answers its time and peak RSS. */
async function write(natsUrl: string, s3Endpoint: string): Promise<void> {
  const nc = await connectNats(natsUrl, 'report-bench-writer', log);
  let peakRss = process.memoryUsage.rss();
  let atPeak = process.memoryUsage();
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) (peakRss = rss), (atPeak = process.memoryUsage());
  }, 20);
  const rssAtStart = peakRss;
  const started = process.hrtime.bigint();
  const cpuAtStart = process.cpuUsage();
  const events = await (await JobEventStore.open(nc)).read(JOB);
  const endpoint = { endpoint: s3Endpoint, region: 'us-east-1', accessKey: 'S3RVER', secretKey: 'S3RVER' };
  const report = await writeRunReport({ nc, endpoint, sourceBucket: 'src', destinationBucket: 'dst' }, JOB, 1, { bucket: 'reports', scope: 'all' }, events);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuAtStart);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  closeSdkClients();
  await nc.close();
  process.send!({ heapAtPeak: atPeak.heapUsed, externalAtPeak: atPeak.external, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssAtStart, peakRss, rows: report?.rows, files: report?.files, location: report?.location });
}

async function main(outcomes: number): Promise<void> {
  const tmp = makeTempDir('report-bench');
  const nats = await startNatsServer({ storeDir: join(tmp.path, 'nats') });
  const s3 = await startS3rver({ directory: join(tmp.path, 's3') });
  try {
    const nc = await connectNats(nats.url, 'report-bench-seed', log);
    await ensureTopology(nc, { replicas: 1 });
    await createBucket(testS3Client(s3.endpoint), 'reports');
    const seeded = Date.now();
    const outcome = (i: number): ObjectOutcome =>
      i % 10 === 9
        ? { ordinal: i, key: `data/2026/12/${String(i).padStart(8, '0')}.parquet`, size: 4096, result: 'failed', attempts: 3, error: 'AccessDenied: Access Denied', error_code: 'AccessDenied', http_status: 403, duration_ms: 5 }
        : { ordinal: i, key: `data/2026/12/${String(i).padStart(8, '0')}.parquet`, size: 4096, result: 'copied', attempts: 1, duration_ms: 5 };
    await seedRun(nc, { jobId: JOB, outcomes, perBatch: 200, outcome });
    console.log(`seeded ${outcomes.toLocaleString('en')} outcomes in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
    await nc.close();
    const child = fork(fileURLToPath(import.meta.url), ['--write', nats.url, s3.endpoint], { execArgv: ['--initial-old-space-size=64'] });
    const result = await new Promise<{ heapAtPeak: number; externalAtPeak: number; seconds: number; cpuSeconds: number; rssAtStart: number; peakRss: number; rows: number; files: number; location: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('exit', (code) => reject(new Error(`writer exited with ${code}`)));
    });
    const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
    console.log(`report of ${result.rows.toLocaleString('en')} rows in ${result.files} files (${result.location})`);
    console.log(`  ${result.seconds.toFixed(1)} s, ${Math.round(result.rows / result.seconds).toLocaleString('en')} rows/s, ${result.cpuSeconds.toFixed(1)} s CPU`);
    console.log(`  writer process RSS: ${mib(result.rssAtStart)} at start, ${mib(result.peakRss)} peak (then ${mib(result.heapAtPeak)} JS heap, ${mib(result.externalAtPeak)} buffers)`);
  } finally {
    await s3.stop();
    await nats.stop();
    tmp.remove();
  }
}
