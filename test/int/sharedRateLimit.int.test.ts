import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { connect, type NatsConnection } from 'nats';
import { startNatsServer, type RunningNatsServer } from '../../libs/embedded/index.js';
import { KV, ensureTopology } from '../../libs/nats/index.js';
import { closeSdkClients, createCopyEngine, sdkClient } from '../../libs/s3/index.js';
import { SharedRateLimit } from '../../services/copier/sharedRateLimit.js';
import { startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor } from '../harness/waitFor.js';

describe('shared rate limit (real JetStream KV)', () => {
  const dir = makeTempDir('ratelimit');
  let nats: RunningNatsServer;
  let connections: NatsConnection[] = [];
  let s3: S3Fixture;

  before(async () => {
    s3 = await startS3Fixture(['src', 'dst']);
    nats = await startNatsServer({ storeDir: join(dir.path, 'nats') });
    connections = await Promise.all([0, 1, 2].map(() => connect({ servers: nats.url })));
    await ensureTopology(connections[0]!, { replicas: 1 });
  });

  after(async () => {
    closeSdkClients();
    await s3.stop();
    await Promise.all(connections.map((c) => c.close()));
    await nats.stop();
    dir.remove();
  });

  it('fails a take whose bucket cannot be written, instead of retrying it as if another copier had won', async () => {
    // A KV whose values may not exceed 8 bytes refuses every bucket state: not a lost race.
    const tiny = await connections[0]!.jetstream().views.kv('ratelimit-tiny', { maxValueSize: 8 });
    const limiter = new SharedRateLimit(tiny, 'job-t', 1024 * 1024);
    await assert.rejects(limiter.take(64 * 1024), (err: { api_error?: { err_code?: number } }) => {
      assert.ok(err.api_error, `a JetStream refusal: ${String(err)}`);
      assert.notEqual(err.api_error.err_code, 10071);
      return true;
    });
  });

  it('holds the rate across three limiters as if they were three copier processes', async () => {
    const rate = 1024 * 1024;
    const perTaker = 1024 * 1024;
    const chunk = 64 * 1024;
    const limiters = await Promise.all(
      connections.map(async (nc) => new SharedRateLimit(await nc.jetstream().views.kv(KV.rateLimits), 'job-a', rate)),
    );
    const started = Date.now();
    await Promise.all(
      limiters.map(async (limit) => {
        // Four concurrent copies per "process", like a copier's slots.
        await Promise.all(
          [0, 1, 2, 3].map(async () => {
            for (let sent = 0; sent < perTaker / 4; sent += chunk) await limit.take(chunk);
          }),
        );
      }),
    );
    const elapsedSeconds = (Date.now() - started) / 1000;
    const total = perTaker * limiters.length;
    const burst = rate * 0.1;
    // Never faster than the rate allows (bytes beyond the initial burst must be paid for in time).
    assert.ok(elapsedSeconds >= (total - burst) / rate - 0.05, `3 MiB at 1 MiB/s took only ${elapsedSeconds}s`);
  });

  it('stops a take waiting out the bucket\'s debt as soon as its copy is aborted', async () => {
    const kv = await connections[0]!.jetstream().views.kv(KV.rateLimits);
    // 16 KiB/s: a 1 MiB take puts the bucket about 64 s in debt.
    const limiter = new SharedRateLimit(kv, 'job-slow', 16 * 1024);
    const stopping = new AbortController();
    const taking = limiter.take(1024 * 1024, stopping.signal);
    await waitFor('the bucket in debt', async () => {
      const entry = await kv.get('job-slow');
      return entry && (JSON.parse(new TextDecoder().decode(entry.value)) as { tokens: number }).tokens < 0 ? true : undefined;
    });
    stopping.abort(new Error('run paused'));
    await assert.rejects(taking, /run paused/);
    await assert.rejects(limiter.take(1, stopping.signal), /run paused/, 'an aborted copy takes nothing more');
  });

  it('keeps separate buckets for separate jobs', async () => {
    const kv = await connections[0]!.jetstream().views.kv(KV.rateLimits);
    const fast = new SharedRateLimit(kv, 'job-fast', 100 * 1024 * 1024);
    for (let i = 0; i < 16; i++) await fast.take(64 * 1024);
    const own = JSON.parse(new TextDecoder().decode((await kv.get('job-fast'))!.value)) as { tokens: number };
    const other = JSON.parse(new TextDecoder().decode((await kv.get('job-a'))!.value)) as { tokens: number };
    assert.ok(own.tokens > other.tokens - 1, 'each job keeps its own bucket');
    assert.notEqual(own.tokens, other.tokens);
  });

  it('holds the rate for server-side copies too: 12 MiB copied inside one cluster at 3 MiB/s by three copiers', async () => {
    const MiB = 1024 * 1024;
    const rate = 3 * MiB;
    const bodies = [0, 1, 2].map(() => randomBytes(4 * MiB));
    await Promise.all(bodies.map((b, i) => sdkClient(s3.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: `cap/${i}`, Body: b }))));
    const engine = createCopyEngine({ multipartThreshold: 64 * MiB, partSize: 8 * MiB });
    try {
      const started = Date.now();
      const results = await Promise.all(
        connections.map(async (nc, i) => {
          const limit = new SharedRateLimit(await nc.jetstream().views.kv(KV.rateLimits), 'job-server-side', rate);
          return engine.copy({
            source: s3.endpoint,
            sourceBucket: 'src',
            destination: s3.endpoint,
            destinationBucket: 'dst',
            key: `cap/${i}`,
            size: bodies[i]!.length,
            etag: '',
            throttle: (bytes) => limit.take(bytes),
            rateBytesPerSecond: rate,
          });
        }),
      );
      const elapsedSeconds = (Date.now() - started) / 1000;
      assert.deepEqual(
        results.map((r) => r.method),
        ['server-side', 'server-side', 'server-side'],
      );
      const total = bodies.length * 4 * MiB;
      const burst = rate * 0.1;
      // A lower bound only: the cap forbids finishing sooner, however fast the cluster copies.
      assert.ok(elapsedSeconds >= (total - burst) / rate - 0.05, `12 MiB at 3 MiB/s took only ${elapsedSeconds}s`);
    } finally {
      engine.close();
    }
  });
});
