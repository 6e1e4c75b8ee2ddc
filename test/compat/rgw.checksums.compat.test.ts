import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createCopyEngine, S3Error, type CopyRequest, type S3Endpoint } from '../../libs/s3/index.js';
import type { JobChecksumAlgorithm } from '../../libs/s3/copyTypes.js';
import { startCephCluster, type CephCluster } from '../harness/cephCluster.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { createBucket, readObject, testS3Client } from '../harness/s3TestClient.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';
import type { StoredChecksum } from '../bench/syntheticS3/checksums.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const OBJECTS: Array<{ size: number; parts?: number[]; checksum?: { algorithm: StoredChecksum['algorithm']; type: StoredChecksum['type'] } }> = [
  { size: 30_000, checksum: { algorithm: 'crc32c', type: 'FULL_OBJECT' } },
  { size: 2 * PART + 77, parts: [PART, PART, 77], checksum: { algorithm: 'crc32c', type: 'COMPOSITE' } },
  { size: PART + 5, parts: [PART, 5], checksum: { algorithm: 'crc64nvme', type: 'FULL_OBJECT' } },
  { size: 11 * MiB, checksum: { algorithm: 'sha256', type: 'FULL_OBJECT' } },
  { size: 40_000 },
  { size: PART + 3000 },
];
const keyOf = (i: number) => `obj/${String(i).padStart(10, '0')}`;

/**
 * Ceph RGW 16 as the destination of copies with S3's additional checksums. It takes the headers
 * (x-amz-checksum-*, x-amz-checksum-algorithm on CreateMultipartUpload, <ChecksumCRC32C> in
 * CompleteMultipartUpload) and stores, returns and verifies none of them (../shared/NOTES.md), so the
 * destination-verifies path is tested against the synthetic endpoint (test/int/s3checksums.int.test.ts)
 * and here Ferry's own check is what stands: bytes that changed on the way never complete.
 */
describe('additional checksums into Ceph RGW 16, which ignores them', () => {
  let ceph: CephCluster;
  let rgw: S3Client;
  let source: SyntheticS3;
  let corrupting: FaultProxy;
  const engine = createCopyEngine({ multipartThreshold: 10 * MiB, partSize: PART });
  let destination: S3Endpoint;

  before(async () => {
    ceph = await startCephCluster();
    rgw = testS3Client(ceph.endpoint, ceph.user.accessKey, ceph.user.secretKey);
    destination = { endpoint: ceph.endpoint, region: 'us-east-1', accessKey: ceph.user.accessKey, secretKey: ceph.user.secretKey };
    await Promise.all(['carried', 'computed', 'corrupt'].map((b) => createBucket(rgw, b)));
    source = await startSyntheticS3({
      buckets: { src: { count: OBJECTS.length, size: (i) => OBJECTS[i]!.size, parts: (i) => OBJECTS[i]!.parts, checksum: (i) => OBJECTS[i]!.checksum, tags: () => undefined } },
    });
    corrupting = await startFaultProxy(source.endpoint);
    corrupting.setFaults({ corruptBodies: true, corruptObjectsOnly: true });
  });
  after(async () => {
    engine.close();
    rgw?.destroy();
    await corrupting?.stop();
    await source?.stop();
    await ceph?.stop();
  });

  const request = async (i: number, bucket: string, via = source.endpoint, algorithm?: JobChecksumAlgorithm): Promise<CopyRequest> => {
    const head = await fetch(`${source.endpoint}/src/${keyOf(i)}`, { method: 'HEAD' });
    return {
      source: { endpoint: via, region: 'us-east-1', accessKey: 'k', secretKey: 's', taggingCountHeader: true },
      sourceBucket: 'src',
      destination,
      destinationBucket: bucket,
      key: keyOf(i),
      size: OBJECTS[i]!.size,
      etag: head.headers.get('etag') ?? '',
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
    };
  };
  const sourceBytesMd5 = async (i: number) => {
    const res = await fetch(`${source.endpoint}/src/${keyOf(i)}`);
    return createHash('md5').update(Buffer.from(await res.arrayBuffer())).digest('hex');
  };

  it("takes every copy carrying the source's checksum (single PUT, composite and full-object multipart) byte for byte, and reports no checksum back", async () => {
    for (let i = 0; i < 4; i++) {
      await engine.copy(await request(i, 'carried'));
      const copy = await readObject(rgw, 'carried', keyOf(i));
      assert.equal(copy.md5, await sourceBytesMd5(i), keyOf(i));
      const head = await rgw.send(new HeadObjectCommand({ Bucket: 'carried', Key: keyOf(i), ChecksumMode: 'ENABLED' }));
      assert.deepEqual([head.ChecksumCRC32C, head.ChecksumCRC64NVME, head.ChecksumSHA256], [undefined, undefined, undefined], keyOf(i));
    }
  });

  it("takes the job's computed crc32c and sha256 (whole, and per part for an object over a part)", async () => {
    for (const algorithm of ['crc32c', 'sha256'] as const) {
      for (const i of [4, 5]) {
        await engine.copy(await request(i, 'computed', source.endpoint, algorithm));
        assert.equal((await readObject(rgw, 'computed', keyOf(i))).md5, await sourceBytesMd5(i), `${algorithm} ${keyOf(i)}`);
      }
    }
  });

  it('fails a copy whose bytes changed on the way from the source as ChecksumMismatch, leaving nothing at RGW, though RGW checked nothing', async () => {
    // Object 1 is multipart with no MD5 to check: only its composite CRC32C catches the change.
    for (let i = 0; i < 4; i++) {
      await assert.rejects(engine.copy(await request(i, 'corrupt', corrupting.endpoint)), (err: unknown) => {
        assert.ok(err instanceof S3Error, String(err));
        assert.equal(err.code, 'ChecksumMismatch', keyOf(i));
        return true;
      });
      await assert.rejects(rgw.send(new HeadObjectCommand({ Bucket: 'corrupt', Key: keyOf(i) })), (err: unknown) => (err as { name?: string }).name === 'NotFound', keyOf(i));
    }
  });
});
