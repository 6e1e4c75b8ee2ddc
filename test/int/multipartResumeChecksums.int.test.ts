import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { uploadKey, UploadLog, type TrackerHooks } from '../../libs/nats/index.js';
import { checksumOf } from '../../libs/s3/checksums.js';
import { createCopyEngine, S3Error, type CopyRequest, type S3Endpoint } from '../../libs/s3/index.js';
import type { JobChecksumAlgorithm } from '../../libs/s3/copyTypes.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';
import type { GeneratedBucketSpec } from '../bench/syntheticS3/generatedBucket.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const IN_FLIGHT = 4;
const md5 = (b: Buffer) => createHash('md5').update(b).digest();

/** Objects by index in the synthetic source's `src` bucket: 9 parts of Ferry's own each. */
const OBJECTS = [
  { size: 8 * PART + 12345, checksum: { algorithm: 'crc64nvme', type: 'FULL_OBJECT' } as const },
  { size: 8 * PART + 777 },
  { size: 8 * PART + 1, checksum: { algorithm: 'crc64nvme', type: 'FULL_OBJECT' } as const },
];
const keyOf = (i: number) => `obj/${String(i).padStart(10, '0')}`;
const spec: GeneratedBucketSpec = { count: OBJECTS.length, size: (i) => OBJECTS[i]!.size, parts: () => undefined, checksum: (i) => OBJECTS[i]!.checksum, tags: () => undefined };

/** The part numbers of the UploadPart requests a proxy saw. */
const uploadParts = (log: readonly string[]): number[] =>
  log.filter((l) => l.startsWith('PUT ') && l.includes('uploadId=')).map((l) => Number(new URLSearchParams(l.slice(l.indexOf('?') + 1)).get('partNumber')));

/**
 * Resumed multipart copies whose upload carries an additional checksum, between synthetic endpoints that
 * store and verify checksums as S3 does (each part's, and the full-object value sent at completion against
 * the parts it took): the source's full-object CRC64NVME, and the job's crc32c. The record lives in a real
 * nats-server; the synthetic destination has no ListParts, so the record alone says what is held.
 */
describe('multipart copies with checksums resumed by the copy engine', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let log: UploadLog;
  let source: SyntheticS3;
  let destination: SyntheticS3;
  let proxy: FaultProxy;
  const engine = createCopyEngine({ multipartThreshold: PART, partSize: PART, partConcurrency: IN_FLIGHT });
  const notes: string[] = [];
  const hooks = (keep: boolean): TrackerHooks => ({
    keeps: () => keep,
    resumed: ({ kept, total }) => notes.push(`resumed ${kept}/${total}`),
    restarted: (_id, reason) => notes.push(`restarted: ${reason}`),
    aborted: (_id, code) => notes.push(`aborted: ${code}`),
    writeFailed: (err) => notes.push(`write failed: ${String(err)}`),
  });
  const at = (url: string): S3Endpoint => ({ endpoint: url, region: 'us-east-1', accessKey: 'k', secretKey: 's', taggingCountHeader: true });

  before(async () => {
    jetStream = await startJetStream('multipart-resume-checksums-int');
    nc = jetStream.nc;
    log = await UploadLog.open(nc);
    [source, destination] = await Promise.all([startSyntheticS3({ buckets: { src: spec } }), startSyntheticS3({ buckets: {} })]);
    proxy = await startFaultProxy(destination.endpoint);
  });
  after(async () => {
    engine.close();
    await proxy?.stop();
    await Promise.all([source?.stop(), destination?.stop()]);
    await jetStream?.stop();
  });

  const request = async (i: number, extra: Partial<CopyRequest> & { algorithm?: JobChecksumAlgorithm }): Promise<CopyRequest> => {
    const head = await fetch(`${source.endpoint}/src/${keyOf(i)}`, { method: 'HEAD' });
    const { algorithm, ...rest } = extra;
    return {
      source: at(source.endpoint),
      sourceBucket: 'src',
      destination: at(proxy.endpoint),
      destinationBucket: 'dst',
      key: keyOf(i),
      size: OBJECTS[i]!.size,
      etag: head.headers.get('etag') ?? '',
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
      ...rest,
    };
  };
  const sourceBytes = async (i: number) => Buffer.from(await (await fetch(`${source.endpoint}/src/${keyOf(i)}`)).arrayBuffer());
  /** The `md5-N` ETag the source's bytes give in Ferry's parts: the destination's says each part's bytes are the source's. */
  const expectedEtag = (bytes: Buffer) => {
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += PART) parts.push(md5(bytes.subarray(at, at + PART)));
    return `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
  };
  const stored = (i: number) => {
    const objects = destination.accepted('dst');
    assert.ok(objects instanceof Map);
    return objects.get(keyOf(i));
  };

  /** Copies until `bytes` were read, then aborts the copy with its upload kept (as a copier killed there leaves it). */
  async function cutShort(i: number, bytes: number, algorithm?: JobChecksumAlgorithm) {
    const controller = new AbortController();
    let seen = 0;
    const upload = log.tracker(uploadKey('job', 1, i), 'first', hooks(true));
    const req = await request(i, { signal: controller.signal, upload, ...(algorithm ? { algorithm } : {}), onProgress: (n) => ((seen += n) > bytes ? controller.abort() : undefined) });
    await assert.rejects(engine.copy(req), (err: unknown) => err instanceof S3Error && err.code === 'Aborted');
    const left = await log.get(uploadKey('job', 1, i));
    assert.ok(left, 'the kept upload is recorded');
    return left;
  }

  /** Cut short most of the way, then resumed by another tracker: what it sent, and what the first attempt had sent. */
  async function resumeCutShort(i: number, algorithm?: JobChecksumAlgorithm) {
    const start = proxy.requestLog().length;
    // Read 7 parts: with 4 in flight, at least 3 were finished (the synthetic destination has no ListParts, so the record must say so).
    const left = await cutShort(i, 7 * PART, algorithm);
    const firstSent = uploadParts(proxy.requestLog().slice(start));
    const middle = proxy.requestLog().length;
    notes.length = 0;
    const result = await engine.copy(await request(i, { upload: log.tracker(left.key, 'second', hooks(false)), ...(algorithm ? { algorithm } : {}) }));
    const sent = uploadParts(proxy.requestLog().slice(middle));
    const again = sent.filter((n) => firstSent.includes(n));
    assert.ok(again.length <= IN_FLIGHT, `parts sent again ${again.join(',')}: at most the ${IN_FLIGHT} in flight`);
    assert.deepEqual(notes, [`resumed ${9 - sent.length}/9`]);
    assert.ok(sent.length < 9, 'parts were kept');
    assert.equal(await log.get(left.key), undefined, 'the record went with the upload');
    const gone = await fetch(`${destination.endpoint}/dst/${keyOf(i)}?uploadId=${encodeURIComponent(left.record.upload_id)}`, { method: 'DELETE' });
    assert.equal(gone.status, 404, 'no multipart upload is left on the destination');
    return { left, result };
  }

  it("goes on with an upload carrying the source's full-object CRC64NVME, completing with it, checked against the parts' combined CRC", async () => {
    const { left, result } = await resumeCutShort(0);
    assert.equal(left.record.checksum_algorithm, 'crc64nvme');
    assert.equal(left.record.checksum_type, 'FULL_OBJECT');
    assert.ok(left.record.parts.every((p) => p.checksums?.crc64nvme !== undefined), 'each recorded part holds its CRC64NVME');
    assert.equal(result.bytes, OBJECTS[0]!.size);
    const bytes = await sourceBytes(0);
    const object = stored(0);
    assert.equal(object?.md5, expectedEtag(bytes), "the destination's parts are the source's bytes");
    assert.deepEqual(object?.checksum, { algorithm: 'crc64nvme', value: await checksumOf('crc64nvme', bytes), type: 'FULL_OBJECT' });
  });

  it("goes on with an upload carrying the job's crc32c, completing with the full-object CRC32C combined from the parts'", async () => {
    const { left } = await resumeCutShort(1, 'crc32c');
    assert.equal(left.record.checksum_algorithm, 'crc32c');
    assert.equal(left.record.source_checksum, undefined);
    const bytes = await sourceBytes(1);
    const object = stored(1);
    assert.equal(object?.md5, expectedEtag(bytes));
    assert.deepEqual(object?.checksum, { algorithm: 'crc32c', value: await checksumOf('crc32c', bytes), type: 'FULL_OBJECT' });
  });

  it("fails with ChecksumMismatch, never completing, when a held part's recorded CRC does not add up to the source's, and aborts the upload", async () => {
    const left = await cutShort(2, 7 * PART);
    const [first, ...rest] = left.record.parts;
    assert.ok(first);
    const wrong = { ...first, checksums: { crc64nvme: await checksumOf('crc64nvme', Buffer.from('not these bytes')) } };
    await log.update(left.key, { ...left.record, parts: [wrong, ...rest] }, left.revision);
    notes.length = 0;
    await assert.rejects(engine.copy(await request(2, { upload: log.tracker(left.key, 'second', hooks(false)) })), (err: unknown) => err instanceof S3Error && err.code === 'ChecksumMismatch');
    assert.deepEqual(notes.slice(1), ['aborted: ChecksumMismatch']);
    assert.equal(stored(2), undefined, 'nothing was completed');
    assert.equal(await log.get(left.key), undefined);
    const gone = await fetch(`${destination.endpoint}/dst/${keyOf(2)}?uploadId=${encodeURIComponent(left.record.upload_id)}`, { method: 'DELETE' });
    assert.equal(gone.status, 404, 'the upload was aborted');
  });
});
