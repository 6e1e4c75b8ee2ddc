import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AbortMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { NatsConnection } from 'nats';
import { uploadKey, UploadLog, type TrackerHooks } from '../../libs/nats/index.js';
import { createCopyEngine, S3Error, UploadTakenOver, type CopyRequest } from '../../libs/s3/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { assertNoMultipartUploads, readObject, testS3Client } from '../harness/s3TestClient.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** The part numbers of the UploadPart requests a proxy saw. */
const uploadParts = (log: string[]): number[] =>
  log.filter((l) => l.startsWith('PUT ') && l.includes('uploadId=')).map((l) => Number(new URLSearchParams(l.slice(l.indexOf('?') + 1)).get('partNumber')));

/**
 * The copy engine's resume against s3rver (with the embedded multipart extras) and the upload log in a
 * real nats-server: a copy cut short with its upload kept goes on from the first part the destination
 * lacks, trusting ListParts over a lagging record; a changed source or a vanished upload starts over.
 */
describe('multipart copies resumed by the copy engine', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let log: UploadLog;
  let src: S3Fixture;
  let dst: S3Fixture;
  let proxy: FaultProxy;
  const engine = createCopyEngine({ multipartThreshold: 5 * MiB, partSize: 5 * MiB, partConcurrency: 2 });
  const notes: string[] = [];
  const hooks = (keep: boolean): TrackerHooks => ({
    keeps: () => keep,
    resumed: ({ kept, total }) => notes.push(`resumed ${kept}/${total}`),
    restarted: (_id, reason) => notes.push(`restarted: ${reason}`),
    aborted: (_id, code) => notes.push(`aborted: ${code}`),
    writeFailed: (err) => notes.push(`write failed: ${String(err)}`),
  });

  before(async () => {
    jetStream = await startJetStream('multipart-resume-int');
    nc = jetStream.nc;
    log = await UploadLog.open(nc);
    [src, dst] = await Promise.all([startS3Fixture(['src']), startS3Fixture(['dst'])]);
    proxy = await startFaultProxy(dst.server.endpoint);
  });
  after(async () => {
    engine.close();
    await proxy?.stop();
    await Promise.all([src?.stop(), dst?.stop()]);
    await jetStream?.stop();
  });

  const request = (key: string, body: Buffer, extra: Partial<CopyRequest>): CopyRequest => ({
    source: src.endpoint,
    sourceBucket: 'src',
    destination: endpointAt(proxy.endpoint, dst.server),
    destinationBucket: 'dst',
    key,
    size: body.length,
    etag: md5(body),
    ...extra,
  });

  /** Copies until `bytes` were read, then aborts the copy with its upload kept; resolves the record it left. */
  async function cutShort(key: string, body: Buffer, ordinal: number, bytes: number) {
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      engine.copy(
        request(key, body, {
          signal: controller.signal,
          upload: log.tracker(uploadKey('job', 1, ordinal), 'first', hooks(true)),
          onProgress: (n) => {
            if ((seen += n) > bytes) controller.abort();
          },
        }),
      ),
      (err: unknown) => err instanceof S3Error && err.code === 'Aborted',
    );
    const left = await log.get(uploadKey('job', 1, ordinal));
    assert.ok(left, 'the kept upload is recorded');
    return left;
  }

  it('goes on from the first part the destination lacks, keeping parts it holds that the record missed', async () => {
    const body = randomBytes(40 * MiB + 1234);
    const key = 'resume/eight-parts.bin';
    await testS3Client(src.server.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: body }));
    const left = await cutShort(key, body, 1, 30 * MiB);
    assert.equal(left.record.part_count, 9);
    const recorded = left.record.parts.map((p) => p.part_number).sort((a, b) => a - b);
    assert.ok(recorded.length >= 2, `parts recorded: ${recorded.join(',')}`);
    // The record lags the destination by its last part, as when a copier dies between the part's answer and the write.
    const lagging = { ...left.record, parts: left.record.parts.filter((p) => p.part_number !== recorded.at(-1)) };
    await log.update(left.key, lagging, left.revision);

    const before = proxy.requestLog().length;
    notes.length = 0;
    const result = await engine.copy(request(key, body, { upload: log.tracker(left.key, 'second', hooks(false)) }));
    assert.deepEqual(result, { bytes: body.length, method: 'multipart', sourceEtag: md5(body), md5Checked: false }, 'a resumed copy reads only part of the bytes: no whole-object MD5');
    const sent = uploadParts(proxy.requestLog().slice(before));
    assert.ok(!sent.some((n) => recorded.includes(n)), `no part the destination held was sent again: sent ${sent.join(',')}, held ${recorded.join(',')}`);
    assert.deepEqual(notes, [`resumed ${9 - sent.length}/9`]);
    assert.equal((await readObject(testS3Client(dst.server.endpoint), 'dst', key)).md5, md5(body));
    assert.equal(await log.get(left.key), undefined, 'the record went with the upload');
    await assertNoMultipartUploads(testS3Client(dst.server.endpoint), 'dst');
  });

  it('aborts the recorded upload and starts over when the source changed since', async () => {
    const key = 'resume/changed.bin';
    const body = randomBytes(12 * MiB);
    await testS3Client(src.server.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: body }));
    const left = await cutShort(key, body, 2, 6 * MiB);
    const changed = randomBytes(12 * MiB);
    await testS3Client(src.server.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: changed }));

    notes.length = 0;
    await engine.copy(request(key, changed, { upload: log.tracker(left.key, 'second', hooks(false)) }));
    assert.deepEqual(notes, ['restarted: the source object changed']);
    assert.ok(proxy.requestLog().some((l) => l.startsWith('DELETE') && l.includes(left.record.upload_id)), 'the old upload was aborted');
    assert.equal((await readObject(testS3Client(dst.server.endpoint), 'dst', key)).md5, md5(changed));
    assert.equal(await log.get(left.key), undefined);
    await assertNoMultipartUploads(testS3Client(dst.server.endpoint), 'dst');
  });

  it('starts over when the destination no longer has the upload', async () => {
    const key = 'resume/vanished.bin';
    const body = randomBytes(12 * MiB);
    await testS3Client(src.server.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: body }));
    const left = await cutShort(key, body, 3, 6 * MiB);
    // The SDK retries a request whose connection broke, and its retry of an abort that went through meets NoSuchUpload.
    await testS3Client(dst.server.endpoint)
      .send(new AbortMultipartUploadCommand({ Bucket: 'dst', Key: key, UploadId: left.record.upload_id }))
      .catch((err: unknown) => {
        if ((err as Error).name !== 'NoSuchUpload') throw err;
      });
    await assertNoMultipartUploads(testS3Client(dst.server.endpoint), 'dst');

    notes.length = 0;
    await engine.copy(request(key, body, { upload: log.tracker(left.key, 'second', hooks(false)) }));
    assert.deepEqual(notes, ['restarted: the destination no longer has the upload']);
    assert.equal((await readObject(testS3Client(dst.server.endpoint), 'dst', key)).md5, md5(body));
    await assertNoMultipartUploads(testS3Client(dst.server.endpoint), 'dst');
  });

  it('lets one copy own a record at a time: the one taken over finds out at its next write', async () => {
    const key = uploadKey('job', 1, 4);
    const first = log.tracker(key, 'first', hooks(true));
    await first.begin({ upload_id: 'u', bucket: 'dst', key: 'k', part_size: 5 * MiB, part_count: 2, source: { etag: 'e', size: 6 * MiB } });
    first.partDone({ part_number: 1, etag: 'a' });
    await first.flush();
    const second = log.tracker(key, 'second', hooks(true));
    const taken = await second.takeOver();
    assert.deepEqual(taken?.parts, [{ part_number: 1, etag: 'a' }]);
    assert.equal(taken?.owner, 'second');
    first.partDone({ part_number: 2, etag: 'b' });
    await assert.rejects(first.flush(), (err: unknown) => err instanceof UploadTakenOver);
    assert.equal(first.lost, true);
    await first.end();
    assert.equal((await log.get(key))?.record.owner, 'second', "the old owner's end leaves the new owner's record");
    await assert.rejects(log.tracker(key, 'third', hooks(true)).begin({ upload_id: 'v', bucket: 'dst', key: 'k', part_size: 5 * MiB, part_count: 2, source: { etag: 'e', size: 6 * MiB } }), UploadTakenOver);
    await second.end();
    assert.equal(await log.get(key), undefined);
    assert.deepEqual(await log.list(), []);
  });
});
