/**
 * Micro-benchmark of the copy engine: N small objects between two endpoints at
 * concurrency 32, reporting objects/s and this process's CPU per object.
 *
 *   node dist/test/bench/copyEngine.bench.js [--objects N] [--size BYTES] [--synthetic [--tag-count]]
 *
 * Default endpoints are two s3rver instances (storage-bound, NOTES.md). With
 * --synthetic they are two child processes that serve and swallow bodies almost
 * for free, so the figure is the engine's own cost. --tag-count makes them send
 * x-amz-tagging-count, which spares the engine its GetObjectTagging probe.
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, createCopyEngine, sdkClient, type S3Endpoint } from '../../libs/s3/index.js';
import { startS3Fixture } from '../harness/s3Fixture.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const OBJECTS = option('--objects', 2000);
const SIZE = option('--size', 4096);
const CONCURRENCY = 32;

/** Child mode: an S3-shaped server that answers GET with a fixed body and swallows PUTs. */
function serveSynthetic(): void {
  const body = randomBytes(SIZE);
  const etag = `"${createHash('md5').update(body).digest('hex')}"`;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.includes('?tagging')) {
      res.end('<Tagging><TagSet></TagSet></Tagging>');
    } else if (req.method === 'GET') {
      const headers: http.OutgoingHttpHeaders = { 'content-length': SIZE, etag, 'content-type': 'application/octet-stream' };
      if (args.includes('--tag-count')) headers['x-amz-tagging-count'] = '0';
      res.writeHead(200, headers).end(body);
    } else {
      const md5 = createHash('md5');
      req.on('data', (c: Buffer) => md5.update(c));
      req.on('end', () => res.writeHead(200, { etag: `"${md5.digest('hex')}"` }).end());
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
  process.on('disconnect', () => process.exit(0));
}

async function startSynthetic(): Promise<{ endpoint: S3Endpoint; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', '--size', String(SIZE), ...args.filter((a) => a === '--tag-count')]);
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  return {
    endpoint: { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKey: 'K', secretKey: 'S' },
    stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill())),
  };
}

async function main(): Promise<void> {
  const synthetic = args.includes('--synthetic');
  const keys = Array.from({ length: OBJECTS }, (_, i) => `bench/${String(i).padStart(6, '0')}`);
  const body = randomBytes(SIZE);
  const etag = createHash('md5').update(body).digest('hex');
  const [a, b] = synthetic
    ? await Promise.all([startSynthetic(), startSynthetic()])
    : await Promise.all([startS3Fixture(['src']), startS3Fixture(['dst'])]);
  try {
    if (!synthetic) {
      const client = sdkClient(a.endpoint);
      for (let i = 0; i < keys.length; i += 64) {
        await Promise.all(keys.slice(i, i + 64).map((Key) => client.send(new PutObjectCommand({ Bucket: 'src', Key, Body: body }))));
      }
    }
    const engine = createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
    let next = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < keys.length) {
          const key = keys[next++]!;
          await engine.copy({ source: a.endpoint, sourceBucket: 'src', destination: b.endpoint, destinationBucket: 'dst', key, size: SIZE, etag });
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    engine.close();
    const cpuMs = (used.user + used.system) / 1000;
    console.log(
      `${synthetic ? 'synthetic' : 's3rver'}: ${OBJECTS} x ${SIZE} B at concurrency ${CONCURRENCY}: ` +
        `${(OBJECTS / seconds).toFixed(0)} objects/s, ${(cpuMs / OBJECTS).toFixed(3)} ms CPU per object`,
    );
  } finally {
    closeSdkClients();
    await Promise.all([a.stop(), b.stop()]);
  }
}

if (args.includes('--serve')) serveSynthetic();
else await main();
