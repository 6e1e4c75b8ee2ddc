import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { connect, type NatsConnection } from 'nats';
import { UploadLog, type RecordedUpload } from '../../libs/nats/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryEnv, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { assertNoMultipartUploads, createBucket, multipartUploads, putObjects, readObject, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const PARTS = 16;
/** Slow enough to kill a copier mid-object (16 MiB every half second), quick enough for CI: about 8 s per copy. */
const RATE = 32 * MiB;

/** The part numbers of the UploadPart requests in a slice of the proxy's request log. */
const uploadParts = (log: string[]): number[] =>
  log
    .filter((l) => l.startsWith('PUT ') && l.includes('uploadId='))
    .map((l) => Number(new URLSearchParams(l.slice(l.indexOf('?') + 1)).get('partNumber')));

/**
 * Issue 21 item 4: a multipart copy records its upload and finished parts (KV ferry_uploads) as they
 * finish; a copier SIGKILLed mid-object leaves them, and the copier the item goes to next resumes from
 * the next part the destination lacks. Cancelled runs leave no upload behind, whether their copier is
 * alive (it aborts its copy's upload) or was killed (the next copier's start-up sweep aborts it).
 */
describe('multipart copies resumed from their next unfinished part', () => {
  let env: TestEnv;
  let ferryEnv: FerryEnv;
  let proxy: FaultProxy;
  let nc: NatsConnection;
  let uploads: UploadLog;
  let sourceMd5: string;
  const destination = () => testS3Client(env.s3[1]!.endpoint);
  const ferry: FerryProcess[] = [];
  const copiers: FerryProcess[] = [];
  let port: number;

  const startCopier = async () => {
    const copier = await startFerry('copier', ferryEnv);
    copiers.push(copier);
    return copier;
  };

  /** The job's one upload record once it holds at least `parts` parts (watched in the log, no sleeping). */
  const recordWith = (jobId: string, parts: number): Promise<RecordedUpload> =>
    waitFor(`${jobId}'s upload record with ${parts} parts`, async () => {
      const [found] = await uploads.list(jobId);
      return found && found.record.parts.length >= parts ? found : undefined;
    }, 120_000, 20);

  const startJob = async (jobId: string, bucket: string, extra: Record<string, unknown> = {}) => {
    const created = await rest(port, 'POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: bucket,
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      concurrency: 1,
      rate_limit_bytes_per_sec: RATE,
      ...extra,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await rest(port, 'POST', `/admin/batch/jobs/${jobId}/start`)).status, 200);
  };

  before(async () => {
    env = await startTestEnv('multipart-resume', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    await createBucket(source, 'src');
    const body = randomBytes(SIZE);
    sourceMd5 = createHash('md5').update(body).digest('hex');
    await putObjects(source, 'src', [{ key: 'big/object.bin', body }], 1);
    for (const bucket of ['dst', 'dst-cancel', 'dst-dead', 'dst-crc32c']) await createBucket(destination(), bucket);
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    ferryEnv = {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      // 16 parts of 16 MiB, 2 in flight: at most 2 parts can be on their way when a copier dies. A short ack wait hands a dead copier's item on soon.
      extraEnv: { FERRY_PART_SIZE: String(16 * MiB), FERRY_PARTS_IN_FLIGHT: '2', FERRY_WORK_ACK_WAIT: '2s' },
    };
    ferry.push(await startFerry('control', ferryEnv));
    port = ferry[0]!.httpPort!;
    ferry.push(await startFerry('projector', ferryEnv));
    ferry.push(await startFerry('lister', ferryEnv));
    nc = await connect({ servers: env.nats.url });
    uploads = await UploadLog.open(nc);
  });

  after(async () => {
    for (const p of [...copiers, ...ferry.reverse()]) await p.stop();
    await nc?.close();
    await proxy?.stop();
    await env?.stop();
  });

  it('resumes a 256 MiB object after its copier is SIGKILLed half way: intact, and at most 2 parts sent again', async () => {
    const first = await startCopier();
    await startJob('resume-job', 'dst');
    const started = await recordWith('resume-job', 1);
    assert.equal(started.record.part_count, PARTS);
    assert.equal(started.record.part_size, 16 * MiB);
    // The second copier starts while the first holds the object (concurrency 1): it gets the item only when the first dies.
    const second = await startCopier();
    const half = await recordWith('resume-job', PARTS / 2);
    await first.kill();
    const beforeKill = proxy.requestLog();
    const sentBeforeKill = new Set(uploadParts(beforeKill));

    const done = await waitForJob(port, 'resume-job', 'completed', (view) => view.status === 'completed' || view.status === 'failed');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(Number(done.progress.completed_objects), 1);

    const copied = await readObject(destination(), 'dst', 'big/object.bin');
    assert.equal(copied.size, SIZE);
    assert.equal(copied.md5, sourceMd5, 'the destination holds the source bytes');

    const afterKill = uploadParts(proxy.requestLog().slice(beforeKill.length));
    const sentAgain = afterKill.filter((n) => sentBeforeKill.has(n));
    const recordedAtKill = half.record.parts.map((p) => p.part_number);
    console.log(
      `parts recorded at the kill: ${recordedAtKill.length}; UploadPart requests before it: ${sentBeforeKill.size}, after it: ${afterKill.length} (${afterKill.join(',')}); sent again: ${sentAgain.length} (${sentAgain.join(',')})`,
    );
    assert.ok(sentAgain.length <= 2, `at most 2 parts sent again, got ${sentAgain.join(', ')}`);
    assert.ok(!afterKill.some((n) => recordedAtKill.includes(n)), 'no recorded part was sent again');
    assert.deepEqual([...new Set([...sentBeforeKill, ...afterKill])].sort((a, b) => a - b), Array.from({ length: PARTS }, (_, i) => i + 1), 'every part sent');

    const resumed = await waitFor('the second copier to log the resume', async () => second.logs.find((l) => l.msg === 'multipart copy resumed' && l.job_id === 'resume-job'));
    assert.equal(resumed.upload_id, started.record.upload_id);
    assert.ok(Number(resumed.parts_kept) >= recordedAtKill.length, JSON.stringify(resumed));
    assert.equal(second.logs.filter((l) => l.msg === 'multipart copy resumed').length, 1, 'one line per resume, none per part');

    await assertNoMultipartUploads(destination(), 'dst');
    assert.deepEqual(await uploads.list('resume-job'), [], 'the finished upload left no record');
  });

  it("aborts a cancelled run's upload, from the live copier serving it and, for a copier killed first, from the next copier's start-up sweep", async () => {
    await startJob('cancel-live', 'dst-cancel');
    await recordWith('cancel-live', 2);
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/cancel-live/cancel')).status, 200);
    await waitFor('the cancelled copy to leave no upload', async () =>
      (await multipartUploads(destination(), 'dst-cancel')).length === 0 && (await uploads.list('cancel-live')).length === 0 ? true : undefined,
    );
    await assertNoMultipartUploads(destination(), 'dst-cancel');
    await waitFor('the copier to log the abort', async () =>
      copiers.some((c) => c.logs.some((l) => l.msg === 'multipart upload aborted' && l.job_id === 'cancel-live' && l.reason === 'run_ended')) ? true : undefined,
    );

    await startJob('cancel-dead', 'dst-dead');
    const left = await recordWith('cancel-dead', 2);
    // Every copier that could abort the upload is gone when the run is cancelled.
    for (const copier of copiers.splice(0)) await copier.kill();
    assert.equal((await rest(port, 'POST', '/admin/batch/jobs/cancel-dead/cancel')).status, 200);
    await waitForJob(port, 'cancel-dead', 'cancelled', (view) => view.status === 'cancelled');
    assert.deepEqual((await multipartUploads(destination(), 'dst-dead')).map((u) => u.uploadId), [left.record.upload_id], 'the killed copier left its upload');

    // An upload Ferry did not record (another tool's) is not Ferry's to abort.
    const foreign = await destination().send(new CreateMultipartUploadCommand({ Bucket: 'dst-dead', Key: 'not/ferrys.bin' }));

    const next = await startCopier();
    const swept = await waitFor('the start-up sweep', async () => next.logs.find((l) => l.msg === 'swept recorded multipart uploads'));
    assert.ok(Number(swept.aborted) >= 1, JSON.stringify(swept));
    assert.ok(next.logs.some((l) => l.msg === 'multipart upload aborted' && l.job_id === 'cancel-dead' && l.reason === 'run_ended' && l.upload_id === left.record.upload_id));
    assert.deepEqual(await multipartUploads(destination(), 'dst-dead'), [{ key: 'not/ferrys.bin', uploadId: foreign.UploadId! }], "only Ferry's own upload was aborted");
    await destination().send(new AbortMultipartUploadCommand({ Bucket: 'dst-dead', Key: 'not/ferrys.bin', UploadId: foreign.UploadId! }));
    await assertNoMultipartUploads(destination(), 'dst-dead');
    assert.deepEqual(await uploads.list(), [], 'no upload record is left');
  });

  // s3rver keeps no checksums: the destination's checking of the completed crc32c is in test/int/multipartResumeChecksums.int.test.ts.
  it('resumes, not restarts, an upload carrying the job\'s crc32c after its copier is SIGKILLed half way', async () => {
    // One copier (the sweep test's) is alive and takes the item; the next one starts while it holds the object.
    const earlier = copiers.splice(0);
    const jobStart = proxy.requestLog().length;
    await startJob('resume-crc32c', 'dst-crc32c', { checksum_algorithm: 'crc32c' });
    await recordWith('resume-crc32c', 1);
    const next = await startCopier();
    const half = await recordWith('resume-crc32c', PARTS / 2);
    assert.equal(half.record.checksum_algorithm, 'crc32c');
    assert.equal(half.record.checksum_type, 'FULL_OBJECT');
    assert.ok(half.record.parts.every((p) => p.checksums?.crc32c !== undefined), 'each recorded part holds its CRC32C');
    for (const copier of earlier) await copier.kill();
    const beforeKill = proxy.requestLog();
    const sentBeforeKill = new Set(uploadParts(beforeKill.slice(jobStart)));

    const done = await waitForJob(port, 'resume-crc32c', 'completed', (view) => view.status === 'completed' || view.status === 'failed');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    const copied = await readObject(destination(), 'dst-crc32c', 'big/object.bin');
    assert.equal(copied.md5, sourceMd5, 'the destination holds the source bytes');

    const afterKill = uploadParts(proxy.requestLog().slice(beforeKill.length));
    const sentAgain = afterKill.filter((n) => sentBeforeKill.has(n));
    console.log(`crc32c: parts recorded at the kill: ${half.record.parts.length}; sent after it: ${afterKill.length}; sent again: ${sentAgain.length} (${sentAgain.join(',')})`);
    assert.ok(sentAgain.length <= 2, `at most the 2 parts in flight sent again, got ${sentAgain.join(', ')}`);
    const resumed = await waitFor('the copier to log the resume', async () => next.logs.find((l) => l.msg === 'multipart copy resumed' && l.job_id === 'resume-crc32c'));
    assert.equal(resumed.upload_id, half.record.upload_id);
    assert.ok(!next.logs.some((l) => l.msg === 'multipart upload aborted' && l.job_id === 'resume-crc32c'), 'the upload was not restarted');
    await assertNoMultipartUploads(destination(), 'dst-crc32c');
    assert.deepEqual(await uploads.list('resume-crc32c'), [], 'the finished upload left no record');
  });
});
