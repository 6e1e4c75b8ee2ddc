import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startNatsServer, startS3rver, type RunningNatsServer, type RunningS3rver } from '../../libs/embedded/index.js';
import { startCephCluster, type CephCluster } from '../harness/cephCluster.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { listKeys, readObject, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { makeTempDir } from '../harness/tempDir.js';

export const MiB = 1024 * 1024;

/** Keys S3 clients and servers disagree about most (RFC 3986 reserved characters, a literal %2F, unicode). */
export const AWKWARD_KEYS = [
  'with space.txt',
  'plus+sign',
  'unicode/日本語-ü-é.bin',
  'amp&ersand',
  'equals=sign',
  'question?mark',
  'literal%2Fslash',
  'tilde~x',
  'star*x',
  'all/a b+c&d=e?f%2Fg~h*i-ü',
];

export interface CompatEnv {
  ceph: CephCluster;
  s3rver: RunningS3rver;
  /** Test clients (the plain SDK, not Ferry's S3 layer). */
  rgw: S3Client;
  s3: S3Client;
  /** A Ferry deployment whose source is RGW (plain HTTP). */
  fromRgw: FerryProcess;
  /** A Ferry deployment whose source is s3rver. */
  fromS3rver: FerryProcess;
  stop(): Promise<void>;
}

/**
 * A Ceph cluster, an s3rver, and two Ferry deployments (`--target all`, each on its own nats-server):
 * one reading from RGW, one from s3rver. Everything lives in temp dirs removed by stop().
 */
export async function startCompatEnv(name: string): Promise<CompatEnv> {
  const tmp = makeTempDir(`compat-${name}`);
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch((err: unknown) => console.error('stopping compat env:', err));
    tmp.remove();
  };
  try {
    const ceph = await startCephCluster();
    started.push(ceph);
    console.log(`# ceph cluster (mon, osd, radosgw) answering after ${ceph.startMs} ms`);
    const s3rver = await startS3rver({ directory: join(tmp.path, 's3rver') });
    started.push(s3rver);
    const [natsA, natsB] = await Promise.all([
      startNatsServer({ storeDir: join(tmp.path, 'nats-a') }),
      startNatsServer({ storeDir: join(tmp.path, 'nats-b') }),
    ]);
    started.push(natsA, natsB);
    const ferry = async (nats: RunningNatsServer, dataDir: string, endpoint: string, accessKey: string, secretKey: string, taggingCountHeader: boolean, tlsEnv: Record<string, string>) => {
      const p = await startFerry('all', {
        natsUrl: nats.url,
        sourceEndpoint: endpoint,
        dataDir: join(tmp.path, dataDir),
        extraEnv: {
          FERRY_SOURCE_ACCESS_KEY: accessKey,
          FERRY_SOURCE_SECRET_KEY: secretKey,
          // RGW reports x-amz-tagging-count on tagged objects, so Ferry trusts its absence; s3rver never does.
          FERRY_SOURCE_TAGGING_COUNT_HEADER: String(taggingCountHeader),
          FERRY_MULTIPART_THRESHOLD: String(5 * MiB),
          FERRY_PART_SIZE: String(5 * MiB),
          ...tlsEnv,
        },
      });
      started.push(p);
      return p;
    };
    // fromRgw trusts the test CA for every endpoint (AWS_CA_BUNDLE); fromS3rver only where a job names it (destination_ca_bundle).
    const fromRgw = await ferry(natsA, 'ferry-a', ceph.endpoint, ceph.user.accessKey, ceph.user.secretKey, true, { AWS_CA_BUNDLE: ceph.caFile });
    const fromS3rver = await ferry(natsB, 'ferry-b', s3rver.endpoint, 'S3RVER', 'S3RVER', false, {});
    return {
      ceph,
      s3rver,
      rgw: testS3Client(ceph.endpoint, ceph.user.accessKey, ceph.user.secretKey),
      s3: testS3Client(s3rver.endpoint),
      fromRgw,
      fromS3rver,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Creates and starts a job over REST and waits until it completes (failing at once if it fails). */
export async function runJob(ferry: FerryProcess, job: Record<string, unknown>): Promise<any> {
  const port = ferry.httpPort!;
  const created = await rest(port, 'POST', '/admin/batch/jobs', job);
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const started = await rest(port, 'POST', `/admin/batch/jobs/${String(job.job_id)}/start`);
  assert.equal(started.status, 200, JSON.stringify(started.body));
  return waitForJob(port, String(job.job_id), 'completed', (view) => {
    if (view.status === 'failed' || view.status === 'cancelled') throw new Error(`job ${view.status}: ${JSON.stringify(view)}`);
    return view.status === 'completed';
  });
}

/** Uploads an object in 5 MiB parts, so the source's ETag is a multipart one ("md5-N"). */
export async function putMultipart(client: S3Client, bucket: string, object: SeedObject): Promise<void> {
  await new Upload({
    client,
    partSize: 5 * MiB,
    queueSize: 4,
    params: {
      Bucket: bucket,
      Key: object.key,
      Body: object.body,
      ContentType: object.contentType,
      CacheControl: object.cacheControl,
      ContentDisposition: object.contentDisposition,
      ContentEncoding: object.contentEncoding,
      Metadata: object.metadata,
    },
  }).done();
}

export async function putTags(client: S3Client, bucket: string, key: string, tags: Record<string, string>): Promise<void> {
  const TagSet = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet } }));
}

export async function getTags(client: S3Client, bucket: string, key: string): Promise<Record<string, string>> {
  const out = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
}

export function md5(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

export async function readBody(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/**
 * Every expected object is at the destination byte for byte with its headers and user metadata, and
 * the destination holds nothing else.
 */
export async function assertCopied(
  destination: S3Client,
  bucket: string,
  expected: SeedObject[],
): Promise<void> {
  assert.deepEqual((await listKeys(destination, bucket)).sort(), expected.map((o) => o.key).sort(), 'the destination holds exactly the source keys');
  let next = 0;
  const check = async () => {
    while (next < expected.length) {
      const o = expected[next++]!;
      const got = await readObject(destination, bucket, o.key);
      assert.equal(got.size, o.body.length, `size of ${o.key}`);
      assert.equal(got.md5, md5(o.body), `bytes of ${o.key}`);
      if (o.contentType) assert.equal(got.contentType, o.contentType, `content type of ${o.key}`);
      if (o.cacheControl) assert.equal(got.cacheControl, o.cacheControl, `cache control of ${o.key}`);
      if (o.contentDisposition) assert.equal(got.contentDisposition, o.contentDisposition, `content disposition of ${o.key}`);
      if (o.contentEncoding) assert.equal(got.contentEncoding, o.contentEncoding, `content encoding of ${o.key}`);
      assert.deepEqual(got.metadata, o.metadata ?? {}, `metadata of ${o.key}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, check));
}
