import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Endpoint } from '../../libs/s3/endpoint.js';
import { closeVersionListingConnections, getBucketVersioning, keyVersions, listObjectVersions, type ObjectVersion } from '../../libs/s3/listVersions.js';
import { compileVersionFilter, planKeyVersions } from '../../libs/selection/versionPlan.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { waitFor } from '../harness/waitFor.js';
import { createBucket } from '../harness/s3TestClient.js';
import { runJob, startCompatEnv, type CompatEnv } from './compatEnv.js';

/**
 * `versions: all` (issue 20 item 1) against Ceph RGW: Ferry's ListObjectVersions paging and
 * GetBucketVersioning, the per-key plan made from what RGW lists, and jobs copying every version and
 * delete marker into a versioned RGW bucket, inside the cluster (server-side) and through
 * destination_endpoint (RGW's HTTPS port: streamed), a date filter, and an unversioned destination refused.
 */
describe('versions listed from and copied into Ceph RGW', () => {
  let env: CompatEnv;
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
    env = await startCompatEnv('versions');
    rgw = env.rgw;
    const { ceph } = env;
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
    await env?.stop();
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

  describe('jobs with versions: all', () => {
    /** What the source holds, oldest first per key: [body or null for a delete marker]. */
    const story: Record<string, Array<string | null>> = {
      'job/three': ['three v1', 'three v2', 'three v3'],
      'job/deleted': ['gone soon', null],
      'job/reborn': ['first life', null, 'second life'],
      'job/a b+c&ü': ['awkward v1', 'awkward v2'],
    };
    const versionCount = Object.values(story).flat().filter((b) => b !== null).length;
    const markerCount = Object.values(story).flat().filter((b) => b === null).length;

    async function versioned(bucket: string): Promise<void> {
      await createBucket(rgw, bucket);
      await rgw.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }

    /** Each key's versions at `bucket`, oldest first, as bodies (null for a delete marker). */
    async function historyOf(bucket: string): Promise<Record<string, Array<string | null>>> {
      const out: Record<string, Array<string | null>> = {};
      for await (const group of keyVersions(listObjectVersions(endpoint, bucket, { pageSize: 3 }))) {
        const bodies: Array<string | null> = [];
        for (const v of [...group].reverse()) {
          if (v.delete_marker) bodies.push(null);
          else bodies.push(await (await rgw.send(new GetObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.version_id }))).Body!.transformToString());
        }
        out[group[0].key] = bodies;
      }
      return out;
    }

    before(async () => {
      await versioned('vsrc');
      for (const [key, bodies] of Object.entries(story)) {
        for (const body of bodies) {
          if (body === null) await rgw.send(new DeleteObjectCommand({ Bucket: 'vsrc', Key: key }));
          else await rgw.send(new PutObjectCommand({ Bucket: 'vsrc', Key: key, Body: body }));
        }
      }
      // Outside the job's prefix: never listed.
      await rgw.send(new PutObjectCommand({ Bucket: 'vsrc', Key: 'other/x', Body: 'x' }));
      await versioned('vdst-same');
      await versioned('vdst-endpoint');
      await versioned('vdst-dated');
      await createBucket(rgw, 'vdst-plain');
    });

    it('a dry run counts versions and delete markers apart', async () => {
      const port = env.fromRgw.httpPort!;
      const dry = await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'v-dry', source_bucket: 'vsrc', destination_bucket: 'vdst-same', prefix: 'job/', versions: 'all', dry_run: true });
      assert.equal(dry.status, 200, JSON.stringify(dry.body));
      assert.equal(Number(dry.body.object_count), versionCount + markerCount);
      assert.equal(Number(dry.body.version_count), versionCount);
      assert.equal(Number(dry.body.delete_marker_count), markerCount);
    });

    it('copies every version oldest first and each delete marker as a delete marker, inside the cluster', async () => {
      const done = await runJob(env.fromRgw, { job_id: 'v-same', source_bucket: 'vsrc', destination_bucket: 'vdst-same', prefix: 'job/', versions: 'all' });
      assert.equal(Number(done.progress.completed_objects), versionCount + markerCount);
      assert.equal(Number(done.progress.versions_copied), versionCount);
      assert.equal(Number(done.progress.delete_markers_copied), markerCount);
      assert.equal(Number(done.progress.failed_objects), 0);
      assert.deepEqual(await historyOf('vdst-same'), story);
    });

    it('does the same through destination_endpoint (RGW over HTTPS: another endpoint, so streamed)', async () => {
      const done = await runJob(env.fromRgw, {
        job_id: 'v-endpoint',
        source_bucket: 'vsrc',
        destination_bucket: 'vdst-endpoint',
        prefix: 'job/',
        versions: 'all',
        destination_endpoint: env.ceph.httpsEndpoint,
        destination_access_key: env.ceph.user.accessKey,
        destination_secret_key: env.ceph.user.secretKey,
      });
      assert.equal(Number(done.progress.versions_copied), versionCount);
      assert.equal(Number(done.progress.delete_markers_copied), markerCount);
      assert.deepEqual(await historyOf('vdst-endpoint'), story);
    });

    it('a date filter picks the versions (and markers) by their own LastModified', async () => {
      // Versions older than the rest by the server's own clock: waited for by watching it move past them
      // (a probe's LastModified), not by sleeping.
      const put = async (key: string, body: string) => rgw.send(new PutObjectCommand({ Bucket: 'vsrc', Key: key, Body: body }));
      await put('dated/k', 'old');
      await put('dated/old-only', 'old');
      const oldTimes = (await listAllOf('vsrc')).flat().filter((v) => v.key.startsWith('dated/')).map((v) => Date.parse(v.last_modified));
      const oldest = Math.max(...oldTimes);
      await waitFor('RGW clock past the old versions', async () => {
        await put('probe/clock', 'tick');
        const probe = (await listAllOf('vsrc')).find((g) => g[0].key === 'probe/clock')![0]!;
        return Date.parse(probe.last_modified) > oldest ? true : undefined;
      });
      await put('dated/k', 'new');
      await rgw.send(new DeleteObjectCommand({ Bucket: 'vsrc', Key: 'dated/k' }));
      const listed = (await listAllOf('vsrc')).flat().filter((v) => v.key.startsWith('dated/'));
      const newest = listed.filter((v) => Date.parse(v.last_modified) > oldest).map((v) => Date.parse(v.last_modified));
      const after = new Date(Math.min(...newest)).toISOString();
      const picked = listed.filter((v) => Date.parse(v.last_modified) >= Date.parse(after));
      assert.ok(picked.length < listed.length, 'the filter leaves some versions out');
      const done = await runJob(env.fromRgw, { job_id: 'v-dated', source_bucket: 'vsrc', destination_bucket: 'vdst-dated', prefix: 'dated/', versions: 'all', created_after: after });
      assert.equal(Number(done.progress.completed_objects), picked.length);
      // Counters absent until something is counted in them.
      assert.equal(Number(done.progress.versions_copied ?? 0), picked.filter((v) => !v.delete_marker).length);
      assert.equal(Number(done.progress.delete_markers_copied ?? 0), picked.filter((v) => v.delete_marker).length);
      const history = await historyOf('vdst-dated');
      assert.deepEqual(history['dated/k'], ['new', null], `the old version is filtered out, the newer one and the marker copied in order: ${JSON.stringify({ history, picked, after })}`);
      assert.equal(history['dated/old-only'], undefined);
    });

    it('a tags filter reads each version\'s own tags', async () => {
      const ids: string[] = [];
      for (const [body, tagged] of [['t1', true], ['t2', false], ['t3', true]] as const) {
        const out = await rgw.send(new PutObjectCommand({ Bucket: 'vsrc', Key: 'tagged/k', Body: body }));
        ids.push(out.VersionId!);
        if (tagged) await rgw.send(new PutObjectTaggingCommand({ Bucket: 'vsrc', Key: 'tagged/k', VersionId: out.VersionId, Tagging: { TagSet: [{ Key: 'keep', Value: 'yes' }] } }));
      }
      await versioned('vdst-tagged');
      const done = await runJob(env.fromRgw, { job_id: 'v-tagged', source_bucket: 'vsrc', destination_bucket: 'vdst-tagged', prefix: 'tagged/', versions: 'all', tags: { keep: 'yes' } });
      assert.equal(Number(done.progress.versions_copied), 2);
      assert.deepEqual(await historyOf('vdst-tagged'), { 'tagged/k': ['t1', 't3'] });
    });

    it('refuses to start into a bucket that is not versioned, naming destination_bucket (409)', async () => {
      const port = env.fromRgw.httpPort!;
      assert.equal((await rest(port, 'POST', '/admin/batch/jobs', { job_id: 'v-plain', source_bucket: 'vsrc', destination_bucket: 'vdst-plain', versions: 'all' })).status, 200);
      const refused = await rest(port, 'POST', '/admin/batch/jobs/v-plain/start');
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.match(JSON.stringify(refused.body), /destination bucket vdst-plain is not versioned/);
      assert.match(JSON.stringify(refused.body), /destination_bucket/);
    });

    it('a re-run copies only the version added since, and a source version deleted since is not written again', async () => {
      const port = env.fromRgw.httpPort!;
      const three = (await listAllOf('vsrc')).find((g) => g[0].key === 'job/three')!;
      const oldest = three[three.length - 1]!;
      await rgw.send(new DeleteObjectCommand({ Bucket: 'vsrc', Key: 'job/three', VersionId: oldest.version_id }));
      await rgw.send(new PutObjectCommand({ Bucket: 'vsrc', Key: 'job/three', Body: 'three v4' }));
      assert.equal((await rest(port, 'POST', '/admin/batch/jobs/v-same/start')).status, 200);
      const done = await waitForJob(port, 'v-same', 'run 2 completed', (view) => {
        if (view.run === 2 && (view.status === 'failed' || view.status === 'cancelled')) throw new Error(`run 2 ${view.status}: ${JSON.stringify(view)}`);
        return view.run === 2 && view.status === 'completed';
      });
      assert.equal(Number(done.progress.total_objects), 1, JSON.stringify(done.progress));
      assert.equal(Number(done.progress.versions_copied), 1);
      assert.equal(Number(done.progress.delete_markers_copied ?? 0), 0);
      // v1 stays at the destination (Ferry never deletes versions) and is not written a second time.
      assert.deepEqual(await historyOf('vdst-same'), { ...story, 'job/three': ['three v1', 'three v2', 'three v3', 'three v4'] });
    });

    async function listAllOf(bucket: string): Promise<ObjectVersion[][]> {
      const keys: ObjectVersion[][] = [];
      for await (const group of keyVersions(listObjectVersions(endpoint, bucket))) keys.push(group);
      return keys;
    }
  });
});
