import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';
import type { StoredChecksum } from '../bench/syntheticS3/checksums.js';

const MiB = 1024 * 1024;
const COUNT = 12;
/** Objects 0-3 have a CRC32C composite of two parts, 4-7 a CRC64NVME of the whole, 8-11 none. */
const checksumOf = (i: number): { algorithm: StoredChecksum['algorithm']; type: StoredChecksum['type'] } | undefined =>
  i < 4 ? { algorithm: 'crc32c', type: 'COMPOSITE' } : i < 8 ? { algorithm: 'crc64nvme', type: 'FULL_OBJECT' } : undefined;
const keyOf = (i: number) => `obj/${String(i).padStart(10, '0')}`;

/**
 * A job's copies carry S3's additional checksums from a source that has them to a destination that
 * verifies them (both synthetic endpoints: Ceph RGW 16 and s3rver store none), and checksum_algorithm
 * makes Ferry compute one for the objects without; bytes corrupted on the way fail as ChecksumMismatch.
 */
describe('a job copying objects with additional checksums', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let source: SyntheticS3;
  let destination: SyntheticS3;
  let corrupting: FaultProxy;

  before(async () => {
    env = await startTestEnv('checksums', 0);
    source = await startSyntheticS3({
      buckets: {
        src: {
          count: COUNT,
          size: (i) => (i < 4 ? 5 * MiB + 1000 : 20_000 + i),
          parts: (i) => (i < 4 ? [5 * MiB, 1000] : undefined),
          checksum: checksumOf,
          tags: () => undefined,
        },
      },
    });
    destination = await startSyntheticS3({ buckets: {} });
    corrupting = await startFaultProxy(destination.endpoint);
    // Unsigned, so the synthetic endpoint takes them as CreateBucket.
    for (const bucket of ['carried', 'corrupt']) assert.equal((await fetch(`${destination.endpoint}/${bucket}`, { method: 'PUT' })).status, 200);
    corrupting.setFaults({ corruptBodies: true, corruptObjectsOnly: true });
    ferry = await startFerry('all', {
      natsUrl: env.nats.url,
      sourceEndpoint: source.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: { FERRY_SOURCE_TAGGING_COUNT_HEADER: 'true' },
    });
  });

  after(async () => {
    await ferry?.stop();
    await corrupting?.stop();
    await Promise.all([source?.stop(), destination?.stop()]);
    await env?.stop();
  });

  const job = (id: string, endpoint: string, extra: Record<string, unknown>) => ({
    job_id: id,
    source_bucket: 'src',
    destination_bucket: id,
    destination_endpoint: endpoint,
    destination_access_key: 'K',
    destination_secret_key: 'S',
    concurrency: 4,
    ...extra,
  });
  const run = async (id: string) => {
    const port = ferry.httpPort!;
    const started = await rest(port, 'POST', `/admin/batch/jobs/${id}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    return waitForJob(port, id, 'finished', (body) => body.status === 'completed' || body.status === 'failed');
  };
  const sourceChecksum = async (i: number): Promise<StoredChecksum | undefined> => {
    const res = await fetch(`${source.endpoint}/src/${keyOf(i)}`, { method: 'HEAD', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    const c = checksumOf(i);
    return c && { ...c, value: res.headers.get(`x-amz-checksum-${c.algorithm}`)! };
  };

  it("gives the destination each source checksum, and the job's crc32c to the objects without one", async () => {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', job('carried', destination.endpoint, { checksum_algorithm: 'crc32c' }));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.checksum_algorithm, 'crc32c');
    const done = await run('carried');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.progress.completed_objects, COUNT);
    const copies = destination.accepted('carried');
    assert.ok(copies instanceof Map);
    for (let i = 0; i < COUNT; i++) {
      const copy: { checksum?: StoredChecksum } | undefined = copies.get(keyOf(i));
      const expected = await sourceChecksum(i);
      if (expected) assert.deepEqual(copy?.checksum, expected, keyOf(i));
      else assert.deepEqual({ ...copy?.checksum, value: '' }, { algorithm: 'crc32c', type: 'FULL_OBJECT', value: '' }, keyOf(i));
    }
  });

  it('refuses a checksum_algorithm it does not compute, naming the field', async () => {
    const refused = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', job('bad', destination.endpoint, { checksum_algorithm: 'md5' }));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.details[0].field, 'checksum_algorithm');
  });

  it('fails every object whose bytes the destination saw corrupted, as ChecksumMismatch, completing none', async () => {
    const created = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', job('corrupt', corrupting.endpoint, { max_retries: 0 }));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const done = await run('corrupt');
    assert.equal(done.status, 'failed', JSON.stringify(done));
    assert.equal(done.progress.completed_objects, 0);
    assert.equal(done.progress.failed_objects, COUNT, JSON.stringify(done));
    const report = await rest(ferry.httpPort!, 'GET', '/admin/batch/jobs/corrupt/failed');
    assert.equal(report.body.failed_objects.length, COUNT);
    for (const failed of report.body.failed_objects) assert.equal(failed.error, 'checksum mismatch');
    const copies = destination.accepted('corrupt');
    assert.equal(copies instanceof Map ? copies.size : copies, 0);
    const metrics = await (await fetch(`http://127.0.0.1:${ferry.httpPort!}/metrics`)).text();
    assert.match(metrics, /error_type="ChecksumMismatch"/);
  });
});
