/**
 * The REST API under read load while a job runs (issue 8): GET /admin/batch/jobs/{id}
 * at a fixed rate (open loop, default 200/s for 30 s) and the latency percentiles.
 *
 *   node dist/test/bench/apiLoad.bench.js [--rate 200] [--seconds 30]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFerry } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv } from '../harness/testEnv.js';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '30' } } });
const rate = Number(values.rate);
const seconds = Number(values.seconds);

const env = await startTestEnv('bench-api', 2);
const ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
try {
  const source = testS3Client(env.s3[0]!.endpoint);
  await createBucket(source, 'src');
  await createBucket(testS3Client(env.s3[1]!.endpoint), 'dst');
  await putObjects(source, 'src', Array.from({ length: 500 }, (_, i) => ({ key: `k/${i}`, body: Buffer.alloc(4096, i) })));
  // A throttled cross-cluster job keeps running (and the projector busy) for the whole measurement.
  const job = {
    job_id: 'busy',
    source_bucket: 'src',
    destination_bucket: 'dst',
    destination_endpoint: env.s3[1]!.endpoint,
    destination_access_key: 'S3RVER',
    destination_secret_key: 'S3RVER',
    rate_limit_bytes_per_sec: Math.ceil((500 * 4096) / (seconds + 30)),
  };
  await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', job);
  await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs/busy/start');

  const latencies: number[] = [];
  let errors = 0;
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    pending.push(
      rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/busy').then(
        (res) => {
          latencies.push(performance.now() - sent);
          if (res.status !== 200) errors++;
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  const { body } = await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/busy');
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1));
  console.log(
    JSON.stringify({
      requests: latencies.length,
      target_rate: rate,
      achieved_rate: Number((latencies.length / ((performance.now() - started) / 1000)).toFixed(1)),
      errors,
      p50_ms: pct(50),
      p99_ms: pct(99),
      max_ms: pct(100),
      job_status_during_load: body.status,
      target_p99_ms: 50,
    }),
  );
} finally {
  await ferry.stop();
  await env.stop();
}
