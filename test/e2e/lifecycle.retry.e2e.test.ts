import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadFerryProto } from '../../libs/transport/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { TEST_TOKEN, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, listKeys, putObjects, testS3Client, type SeedObject } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

/**
 * A job whose destination refuses writes: half its objects are already at the destination
 * (skipped), the other half fail. The failed report and errors list them; retry-failed,
 * with writes allowed again, copies exactly those and the job completes. Watching over
 * gRPC and SSE pushes each change until the job ends.
 */
describe('runs, failed objects and retry-failed over a real job', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let proxy: FaultProxy;
  let destination: S3Client;
  const objects: SeedObject[] = Array.from({ length: 20 }, (_, i) => ({ key: `r/${String(i).padStart(2, '0')}`, body: randomBytes(500 + i) }));
  const present = objects.filter((_, i) => i % 2 === 0);
  const missing = objects.filter((_, i) => i % 2 === 1);
  const proto = loadFerryProto();

  before(async () => {
    env = await startTestEnv('lifecycle-retry', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    destination = testS3Client(env.s3[1]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(source, 'copy');
    await createBucket(destination, 'dst');
    await putObjects(source, 'src', objects);
    await putObjects(destination, 'dst', present);
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  const api = (method: string, path: string, body?: unknown) => rest(ferry.httpPort!, method, path, body);

  async function terminal(jobId: string) {
    return waitForJob(ferry.httpPort!, jobId, 'ended', (body) => ['completed', 'failed', 'cancelled'].includes(body.status));
  }

  function watchGrpc(jobId: string): { opened: Promise<void>; all: Promise<Array<{ status: string }>> } {
    const client = new grpc.Client(`127.0.0.1:${ferry.grpcPort}`, grpc.credentials.createInsecure());
    const def = proto.service.WatchJob!;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${TEST_TOKEN}`);
    const call = client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, { job_id: jobId }, md, {});
    const seen: Array<{ status: string }> = [];
    let onFirst: () => void;
    const opened = new Promise<void>((resolve) => (onFirst = resolve));
    const all = new Promise<Array<{ status: string }>>((resolve, reject) => {
      call.on('data', (msg: { status: string }) => {
        seen.push(msg);
        onFirst();
      });
      call.on('end', () => {
        client.close();
        resolve(seen);
      });
      call.on('error', (err) => {
        client.close();
        reject(err);
      });
    });
    return { opened, all };
  }

  it('reports the failures, retries only them, and keeps both runs', async () => {
    proxy.setFaults({ denyWrites: true });
    const created = await api('POST', '/admin/batch/jobs', {
      job_id: 'retry-me',
      source_bucket: 'src',
      destination_bucket: 'dst',
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      max_retries: 0,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const refused = await api('POST', '/admin/batch/jobs/retry-me/retry-failed');
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /pending/);

    const watched = watchGrpc('retry-me');
    await watched.opened;
    assert.equal((await api('POST', '/admin/batch/jobs/retry-me/start')).status, 200);
    const first = await terminal('retry-me');
    assert.equal(first.status, 'failed', JSON.stringify(first));
    assert.equal(first.progress.failed_objects, missing.length);
    assert.equal(first.progress.skipped_objects, present.length);

    const pushed = await watched.all;
    assert.equal(pushed[0]!.status, 'pending');
    assert.ok(pushed.length >= 2, `watch pushed ${pushed.length} views`);
    assert.equal(pushed[pushed.length - 1]!.status, 'failed', 'the watch ends when the job ends');

    const failedPage1 = await api('GET', '/admin/batch/jobs/retry-me/failed?page_size=6');
    assert.equal(failedPage1.status, 200, JSON.stringify(failedPage1.body));
    assert.equal(failedPage1.body.failed_objects.length, 6);
    const failedPage2 = await api('GET', `/admin/batch/jobs/retry-me/failed?page_size=6&page_token=${failedPage1.body.next_page_token}`);
    assert.equal(failedPage2.body.next_page_token ?? '', '');
    const reported = [...failedPage1.body.failed_objects, ...failedPage2.body.failed_objects];
    assert.deepEqual(reported.map((f: { key: string }) => f.key).sort(), missing.map((o) => o.key));
    for (const f of reported) {
      assert.match(f.error, /AccessDenied/);
      assert.equal(f.run, 1);
      assert.ok(Number(f.attempts) >= 1);
      assert.ok(!Number.isNaN(Date.parse(f.last_attempt)));
    }
    const errors = await api('GET', '/admin/batch/jobs/retry-me/errors');
    assert.equal(errors.status, 200);
    assert.equal(errors.body.errors.length, missing.length);
    const times = errors.body.errors.map((e: { time: string }) => e.time);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');

    proxy.setFaults({ denyWrites: false });
    const writesBefore = proxy.requestLog().filter((l) => l.startsWith('PUT ')).length;
    const retried = await api('POST', '/admin/batch/jobs/retry-me/retry-failed');
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const second = await terminal('retry-me');
    assert.equal(second.status, 'completed', JSON.stringify(second));
    assert.equal(second.run, 2);
    assert.equal(second.progress.total_objects, missing.length, 'the retry run counts only the failed objects');
    assert.equal(second.progress.completed_objects, missing.length);
    assert.equal(second.progress.skipped_objects, 0);
    const puts = proxy.requestLog().filter((l) => l.startsWith('PUT ')).slice(writesBefore);
    const putKeys = new Set(puts.map((l) => decodeURIComponent(l.split(' ')[1]!.split('?')[0]!).replace(/^\/dst\//, '')));
    assert.deepEqual([...putKeys].sort(), missing.map((o) => o.key), 'only the failed objects were written again');
    assert.equal((await listKeys(destination, 'dst')).length, objects.length);

    assert.equal(second.runs.length, 2);
    const [run1, run2] = second.runs;
    assert.equal(run1.run, 1);
    assert.equal(run1.status, 'failed');
    assert.equal(Number(run1.counts.failed_objects), missing.length);
    assert.ok(run1.started_at && run1.completed_at);
    assert.equal(run2.run, 2);
    assert.equal(run2.status, 'completed');
    assert.equal(run2.retry_of, 1);
    assert.equal(Number(run2.counts.completed_objects), missing.length);
    assert.ok(Date.parse(run2.started_at) >= Date.parse(run1.completed_at));
    const noneFailed = await api('GET', '/admin/batch/jobs/retry-me/failed');
    assert.deepEqual(noneFailed.body.failed_objects ?? [], [], 'the report shows the latest run');
  });

  it('streams the job over SSE until it ends', async () => {
    const created = await api('POST', '/admin/batch/jobs', { job_id: 'watch-sse', source_bucket: 'src', destination_bucket: 'copy', prefix: 'r/0' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const res = await fetch(`http://127.0.0.1:${ferry.httpPort}/admin/batch/jobs/watch-sse/watch`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const firstChunk = await reader.read();
    text += decoder.decode(firstChunk.value);
    assert.equal((await api('POST', '/admin/batch/jobs/watch-sse/start')).status, 200);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    const views = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)));
    assert.equal(views[0].status, 'pending');
    assert.equal(views[views.length - 1].status, 'completed');
    assert.ok(views.every((v) => v.job_id === 'watch-sse'));
    const unknown = await fetch(`http://127.0.0.1:${ferry.httpPort}/admin/batch/jobs/nope/watch`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    assert.equal(unknown.status, 404);
  });
});
