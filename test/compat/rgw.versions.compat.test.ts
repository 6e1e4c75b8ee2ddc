import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Endpoint } from '../../libs/s3/endpoint.js';
import { closeVersionListingConnections, getBucketVersioning, keyVersions, listObjectVersions, type ObjectVersion } from '../../libs/s3/listVersions.js';
import { compileVersionFilter, planKeyVersions } from '../../libs/selection/versionPlan.js';
import { startCephCluster, type CephCluster } from '../harness/cephCluster.js';
import { createBucket, testS3Client } from '../harness/s3TestClient.js';

/**
 * What `versions: all` reads from a real versioned bucket (issue 20 item 1, first step): Ferry's
 * ListObjectVersions paging and GetBucketVersioning against Ceph RGW, and the per-key plan made
 * from what RGW lists. The copy itself is not in this step.
 */
describe('versions listed from Ceph RGW', () => {
  let ceph: CephCluster;
  let rgw: S3Client;
  let endpoint: S3Endpoint;
  const written: Record<string, string[]> = {};

  async function put(key: string, body: string): Promise<string> {
    const out = await rgw.send(new PutObjectCommand({ Bucket: 'versioned', Key: key, Body: body }));
    assert.ok(out.VersionId, 'a versioned bucket answers a PUT with its version id');
    (written[key] ??= []).push(out.VersionId);
    return out.VersionId;
  }

  async function remove(key: string): Promise<string> {
    const out = await rgw.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: key }));
    assert.equal(out.DeleteMarker, true);
    (written[key] ??= []).push(out.VersionId!);
    return out.VersionId!;
  }

  async function listAll(pageSize: number): Promise<ObjectVersion[][]> {
    const keys: ObjectVersion[][] = [];
    for await (const group of keyVersions(listObjectVersions(endpoint, 'versioned', { pageSize }))) keys.push(group);
    return keys;
  }

  before(async () => {
    ceph = await startCephCluster();
    console.log(`# ceph cluster (mon, osd, radosgw) answering after ${ceph.startMs} ms`);
    rgw = testS3Client(ceph.endpoint, ceph.user.accessKey, ceph.user.secretKey);
    endpoint = { endpoint: ceph.endpoint, region: 'us-east-1', accessKey: ceph.user.accessKey, secretKey: ceph.user.secretKey };
    await createBucket(rgw, 'versioned');
    await createBucket(rgw, 'plain');
    await rgw.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
    for (const n of [1, 2, 3]) await put('three', `three v${n}`);
    await put('deleted', 'gone soon');
    await remove('deleted');
    await put('reborn', 'first life');
    await remove('reborn');
    await put('reborn', 'second life');
  });

  after(async () => {
    closeVersionListingConnections();
    await ceph?.stop();
  });

  it('tells a versioned bucket from an unversioned one', async () => {
    assert.equal(await getBucketVersioning(endpoint, 'versioned'), 'Enabled');
    assert.equal(await getBucketVersioning(endpoint, 'plain'), 'Unversioned');
  });

  it('lists every version and delete marker of each key together, whatever the page size, and plans them oldest first', async () => {
    for (const pageSize of [1, 2, 1000]) {
      const keys = await listAll(pageSize);
      assert.deepEqual(keys.map((g) => g[0].key), ['deleted', 'reborn', 'three'], `page size ${pageSize}`);
      for (const group of keys) {
        const plan = planKeyVersions(group, compileVersionFilter({}), new Map());
        assert.deepEqual(plan.toCopy.map((v) => v.version_id), written[group[0].key], `${group[0].key}, page size ${pageSize}`);
      }
      const markers = keys.flat().filter((v) => v.delete_marker).map((v) => v.key);
      assert.deepEqual(markers, ['deleted', 'reborn']);
    }
  });

  it('a re-run plans only a version added since, and a version deleted at the source is not planned again', async () => {
    const copied = new Map(written.three.map((id, i) => [id, `dest-${i}`]));
    const [v1] = written.three;
    await rgw.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'three', VersionId: v1 }));
    const v4 = await put('three', 'three v4');
    const three = (await listAll(2)).find((g) => g[0].key === 'three')!;
    assert.equal(three.length, 3, 'v1 is gone at the source');
    const plan = planKeyVersions(three, compileVersionFilter({}), copied);
    assert.deepEqual(plan.toCopy.map((v) => v.version_id), [v4]);
    assert.equal(plan.alreadyCopied, 2);
  });

  it('a date filter picks some versions by their own LastModified', async () => {
    const three = (await listAll(1000)).find((g) => g[0].key === 'three')!;
    const oldestFirst = [...three].sort((a, b) => Date.parse(a.last_modified) - Date.parse(b.last_modified));
    const newest = oldestFirst[oldestFirst.length - 1];
    const plan = planKeyVersions(three, compileVersionFilter({ created_after: newest.last_modified }), new Map());
    // RGW's LastModified has whole seconds here; versions written in that same second pass too.
    assert.ok(plan.toCopy.length >= 1 && plan.toCopy.length <= three.length);
    assert.ok(plan.toCopy.every((v) => Date.parse(v.last_modified) >= Date.parse(newest.last_modified)));
    assert.equal(plan.toCopy.length + plan.filteredOut, three.length);
  });
});
