import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';

const COUNT = 30;
const CONCURRENCY = 4;

/**
 * A job to a destination addressed virtual-hosted-style (destination_path_style: false) whose bucket
 * is in another region than the job says: the first answer corrects the region, the copy completes,
 * and the job's events and view record the correction once.
 */
describe('a job whose destination bucket is in another region, addressed virtual-hosted-style', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let destination: SyntheticS3;
  const keys = Array.from({ length: COUNT }, (_, i) => `data/${String(i).padStart(3, '0')}.bin`);

  before(async () => {
    env = await startTestEnv('bucket-region', 1);
    const source = testS3Client(env.s3[0]!.endpoint);
    await createBucket(source, 'src');
    await putObjects(source, 'src', keys.map((key, i) => ({ key, body: Buffer.alloc(200 + i, i) })));
    destination = await startSyntheticS3({ buckets: {}, regions: { dst: 'eu-west-1' } });
    // Unsigned, so the synthetic endpoint creates the bucket without judging a region.
    assert.equal((await fetch(`${destination.endpoint}/dst`, { method: 'PUT' })).status, 200);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await destination?.stop();
    await env?.stop();
  });

  it('copies everything, signing for the bucket region the server named, and records the correction once', async () => {
    const port = ferry.httpPort!;
    const { port: dstPort } = new URL(destination.endpoint);
    const created = await rest(port, 'POST', '/admin/batch/jobs', {
      job_id: 'west',
      source_bucket: 'src',
      destination_bucket: 'dst',
      destination_endpoint: `http://localhost:${dstPort}`,
      destination_access_key: 'K',
      destination_secret_key: 'S',
      destination_region: 'us-east-1',
      destination_path_style: false,
      concurrency: CONCURRENCY,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.destination_path_style, false);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/west/start')).status, 200);
    const job = await waitForJob(port, 'west', 'completed', (body) => body.status !== 'running' && body.status !== 'pending');
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.progress.completed_objects, COUNT);

    const accepted = destination.accepted('dst') as Map<string, { size: number }>;
    assert.deepEqual([...accepted.keys()].sort(), keys);
    const stats = destination.stats();
    assert.ok(stats.virtualHosted >= COUNT, `every destination request names the bucket in the host (${stats.virtualHosted})`);
    // At most the requests sent before the first answer came back (the lister's and a copier's in flight).
    assert.ok(stats.wrongRegion >= 1 && stats.wrongRegion <= CONCURRENCY + 1, `refused for the region ${stats.wrongRegion} times`);

    // The answer that told it first: the lister's listing (301) or a copier's PUT (400), whichever came back first.
    const reasons = ['PermanentRedirect', 'AuthorizationHeaderMalformed'];
    const expected = { side: 'destination', bucket: 'dst', configured_region: 'us-east-1', region: 'eu-west-1' };
    assert.equal(job.bucket_regions.length, 1, JSON.stringify(job.bucket_regions));
    const { reason, at: _at, ...shown } = job.bucket_regions[0];
    assert.deepEqual(shown, expected);
    assert.ok(reasons.includes(reason), reason);

    const history = await rest(port, 'GET', '/admin/batch/jobs/west/history');
    const corrections = (history.body.events as Array<{ type: string; run: number; details_json: string }>).filter((e) => e.type === 'BucketRegionCorrected');
    assert.equal(corrections.length, 1, 'recorded once, however many requests learnt it');
    assert.equal(corrections[0]!.run, 1);
    const { reason: recordedReason, ...details } = JSON.parse(corrections[0]!.details_json);
    assert.deepEqual(details, expected);
    assert.equal(recordedReason, reason);
    assert.ok(ferry.logs.some((l) => l.job_id === 'west' && l.msg === 'bucket region corrected' && l.region === 'eu-west-1'), 'logged once as a lifecycle step');
  });
});
