import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createCopyEngine, S3Error, type CopyRequest, type S3Endpoint } from '../../libs/s3/index.js';
import type { JobChecksumAlgorithm } from '../../libs/s3/copyTypes.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';
import type { GeneratedBucketSpec } from '../bench/syntheticS3/generatedBucket.js';
import type { StoredChecksum } from '../bench/syntheticS3/checksums.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { readObject, testS3Client } from '../harness/s3TestClient.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PART = 5 * MiB;

/**
 * S3's additional checksums end to end, between synthetic endpoints that store, return and verify
 * them as S3 does (the verifying destination Ceph RGW 16 and s3rver cannot stand in for: they ignore
 * the headers). Objects by index in the `src` bucket:
 */
const OBJECTS: Array<{ name: string; size: number; parts?: number[]; checksum?: { algorithm: StoredChecksum['algorithm']; type: StoredChecksum['type'] } }> = [
  { name: 'crc32c single', size: 10 * KiB, checksum: { algorithm: 'crc32c', type: 'FULL_OBJECT' } },
  { name: 'crc32 single', size: 70 * KiB, checksum: { algorithm: 'crc32', type: 'FULL_OBJECT' } },
  { name: 'crc64nvme single', size: 100 * KiB + 3, checksum: { algorithm: 'crc64nvme', type: 'FULL_OBJECT' } },
  { name: 'sha1 single', size: 5, checksum: { algorithm: 'sha1', type: 'FULL_OBJECT' } },
  { name: 'sha256 single', size: 1 * MiB, checksum: { algorithm: 'sha256', type: 'FULL_OBJECT' } },
  { name: 'crc32c composite in parts', size: 2 * PART + 100, parts: [PART, PART, 100], checksum: { algorithm: 'crc32c', type: 'COMPOSITE' } },
  { name: 'sha256 composite in parts', size: PART + 7, parts: [PART, 7], checksum: { algorithm: 'sha256', type: 'COMPOSITE' } },
  { name: 'crc64nvme full-object in parts', size: 2 * PART + 1, parts: [PART, PART, 1], checksum: { algorithm: 'crc64nvme', type: 'FULL_OBJECT' } },
  { name: 'sha256 single over the threshold', size: 12 * MiB, checksum: { algorithm: 'sha256', type: 'FULL_OBJECT' } },
  { name: 'crc32c single over the threshold', size: 11 * MiB, checksum: { algorithm: 'crc32c', type: 'FULL_OBJECT' } },
  { name: 'none, small', size: 3 * KiB },
  { name: 'none, over a part', size: PART + 1234 },
  { name: 'none, in parts', size: PART + 99, parts: [PART, 99] },
];
const index = (name: string) => OBJECTS.findIndex((o) => o.name === name);
const keyOf = (i: number) => `obj/${String(i).padStart(10, '0')}`;

const spec: GeneratedBucketSpec = {
  count: OBJECTS.length,
  size: (i) => OBJECTS[i]!.size,
  parts: (i) => OBJECTS[i]!.parts,
  checksum: (i) => OBJECTS[i]!.checksum,
  tags: () => undefined,
};

describe('additional checksums (x-amz-checksum-*) from source to destination', () => {
  let source: SyntheticS3;
  let verifying: SyntheticS3;
  let silent: SyntheticS3;
  let sourceProxy: FaultProxy;
  let destinationProxy: FaultProxy;
  let s3rver: S3Fixture;
  const engine = createCopyEngine({ multipartThreshold: 10 * MiB, partSize: PART });
  const at = (url: string): S3Endpoint => ({ endpoint: url, region: 'us-east-1', accessKey: 'k', secretKey: 's', taggingCountHeader: true });

  before(async () => {
    [source, verifying, silent] = await Promise.all([
      startSyntheticS3({ buckets: { src: spec } }),
      startSyntheticS3({ buckets: {} }),
      startSyntheticS3({ buckets: {}, ignoreChecksums: true }),
    ]);
    [sourceProxy, destinationProxy] = await Promise.all([startFaultProxy(source.endpoint), startFaultProxy(verifying.endpoint)]);
    s3rver = await startS3Fixture(['dst']);
  });
  after(async () => {
    engine.close();
    await Promise.all([sourceProxy?.stop(), destinationProxy?.stop()]);
    await Promise.all([source?.stop(), verifying?.stop(), silent?.stop(), s3rver?.stop()]);
  });

  /** A copy of object i as the copier gets it from a work item (with the ETag the listing gave). */
  const request = async (i: number, to: { source?: string; destination?: string; bucket?: string; algorithm?: JobChecksumAlgorithm } = {}): Promise<CopyRequest> => {
    const object = OBJECTS[i]!;
    const head = await fetch(`${source.endpoint}/src/${keyOf(i)}`, { method: 'HEAD' });
    return {
      source: at(to.source ?? source.endpoint),
      sourceBucket: 'src',
      destination: at(to.destination ?? verifying.endpoint),
      destinationBucket: to.bucket ?? 'dst',
      key: keyOf(i),
      size: object.size,
      etag: head.headers.get('etag') ?? '',
      ...(to.algorithm ? { checksumAlgorithm: to.algorithm } : {}),
    };
  };
  const stored = (s: SyntheticS3, bucket: string, i: number) => {
    const objects = s.accepted(bucket);
    assert.ok(objects instanceof Map);
    return objects.get(keyOf(i));
  };
  const sourceChecksum = async (i: number): Promise<StoredChecksum | undefined> => {
    const res = await fetch(`${source.endpoint}/src/${keyOf(i)}`, { method: 'HEAD', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    const type = res.headers.get('x-amz-checksum-type');
    for (const algorithm of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const) {
      const value = res.headers.get(`x-amz-checksum-${algorithm}`);
      if (value) return { algorithm, value, type: type as StoredChecksum['type'] };
    }
    return undefined;
  };

  it('gives the destination the source checksum itself for single objects and for copies in the source parts (full-object and composite)', async () => {
    for (const name of ['crc32c single', 'crc32 single', 'crc64nvme single', 'sha1 single', 'sha256 single', 'crc32c composite in parts', 'sha256 composite in parts', 'crc64nvme full-object in parts']) {
      const i = index(name);
      const expected = await sourceChecksum(i);
      assert.ok(expected, name);
      await engine.copy(await request(i));
      const copy = stored(verifying, 'dst', i);
      assert.equal(copy?.size, OBJECTS[i]!.size, name);
      assert.deepEqual(copy?.checksum, expected, name);
    }
  });

  it('sends a full-object source checksum on CompleteMultipartUpload when the copy goes in parts of its own (CRCs), a composite one in the same algorithm for SHAs', async () => {
    const crc = index('crc32c single over the threshold');
    const expected = await sourceChecksum(crc);
    await engine.copy(await request(crc));
    assert.deepEqual(stored(verifying, 'dst', crc)?.checksum, expected);
    assert.match(stored(verifying, 'dst', crc)!.md5, /-3$/);

    const sha = index('sha256 single over the threshold');
    await engine.copy(await request(sha));
    const copy = stored(verifying, 'dst', sha)?.checksum;
    assert.equal(copy?.algorithm, 'sha256');
    assert.equal(copy?.type, 'COMPOSITE');
    assert.match(copy.value, /-3$/);
  });

  it("computes the job's checksum_algorithm where the source has none, and sends it: whole for small objects, per part (and for CRC32C the whole object's) in parts", async () => {
    const small = index('none, small');
    await engine.copy(await request(small, { bucket: 'job-crc', algorithm: 'crc32c' }));
    const copy = stored(verifying, 'job-crc', small)?.checksum;
    assert.equal(copy?.algorithm, 'crc32c');
    assert.equal(copy?.type, 'FULL_OBJECT');

    const over = index('none, over a part');
    await engine.copy(await request(over, { bucket: 'job-crc', algorithm: 'crc32c' }));
    assert.deepEqual({ ...stored(verifying, 'job-crc', over)?.checksum, value: '' }, { algorithm: 'crc32c', type: 'FULL_OBJECT', value: '' });
    assert.match(stored(verifying, 'job-crc', over)!.md5, /-2$/);

    const inParts = index('none, in parts');
    await engine.copy(await request(inParts, { bucket: 'job-sha', algorithm: 'sha256' }));
    const composite = stored(verifying, 'job-sha', inParts)?.checksum;
    assert.equal(composite?.type, 'COMPOSITE');
    assert.match(composite.value, /-2$/);
    await engine.copy(await request(small, { bucket: 'job-sha', algorithm: 'sha256' }));
    assert.equal(stored(verifying, 'job-sha', small)?.checksum?.algorithm, 'sha256');
  });

  it('the same copies into a destination that ignores checksums (as RGW 16 does) complete, the copier having checked them', async () => {
    for (const name of ['crc32c single', 'crc32c composite in parts', 'crc64nvme full-object in parts', 'sha256 single over the threshold']) {
      const i = index(name);
      await engine.copy(await request(i, { destination: silent.endpoint }));
      assert.equal(stored(silent, 'dst', i)?.size, OBJECTS[i]!.size, name);
      assert.equal(stored(silent, 'dst', i)?.checksum, undefined, name);
    }
  });

  it('copies byte for byte into s3rver, which takes the checksum headers and parts without storing them', async () => {
    const client = testS3Client(s3rver.server.endpoint);
    try {
      for (const [name, algorithm] of [['crc32c composite in parts'], ['crc64nvme single'], ['sha256 single over the threshold'], ['none, over a part', 'crc32c'], ['none, small', 'sha256']] as const) {
        const i = index(name);
        const req = { ...(await request(i, { algorithm })), destination: s3rver.endpoint };
        await engine.copy(req);
        const copy = await readObject(client, 'dst', keyOf(i));
        const original = Buffer.from(await (await fetch(`${source.endpoint}/src/${keyOf(i)}`)).arrayBuffer());
        assert.equal(copy.md5, createHash('md5').update(original).digest('hex'), name);
      }
    } finally {
      client.destroy();
    }
  });

  it('sends and checks nothing for an object without checksums when the job asks for none', async () => {
    const i = index('none, small');
    await engine.copy(await request(i, { bucket: 'plain' }));
    assert.equal(stored(verifying, 'plain', i)?.checksum, undefined);
  });

  const isChecksumMismatch = (err: unknown) => {
    assert.ok(err instanceof S3Error, String(err));
    assert.equal(err.code, 'ChecksumMismatch');
    return true;
  };

  it('fails with ChecksumMismatch, leaving nothing, when bytes change on the way from the source (the MD5-less multipart case included) and the destination checks nothing', async () => {
    sourceProxy.setFaults({ corruptBodies: true, corruptObjectsOnly: true });
    try {
      for (const name of ['crc32c composite in parts', 'crc64nvme full-object in parts', 'crc32c single', 'sha256 single over the threshold']) {
        const i = index(name);
        await assert.rejects(engine.copy(await request(i, { source: sourceProxy.endpoint, destination: silent.endpoint, bucket: 'corrupt' })), isChecksumMismatch, name);
        assert.equal(stored(silent, 'corrupt', i), undefined, name);
      }
    } finally {
      sourceProxy.setFaults({ corruptBodies: false });
    }
  });

  it('fails with ChecksumMismatch when bytes change on the way to a destination that verifies them (its BadDigest)', async () => {
    destinationProxy.setFaults({ corruptBodies: true, corruptObjectsOnly: true });
    try {
      for (const name of ['crc32c single', 'crc32c composite in parts']) {
        const i = index(name);
        await assert.rejects(engine.copy(await request(i, { destination: destinationProxy.endpoint, bucket: 'refused' })), isChecksumMismatch, name);
        assert.equal(stored(verifying, 'refused', i), undefined, name);
      }
    } finally {
      destinationProxy.setFaults({ corruptBodies: false });
    }
  });
});
