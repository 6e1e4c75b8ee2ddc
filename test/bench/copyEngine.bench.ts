/**
 * Micro-benchmark of the copy engine: N small objects between two endpoints at
 * concurrency 32, reporting objects/s and this process's CPU per object.
 *
 *   node dist/test/bench/copyEngine.bench.js [--objects N] [--size BYTES] [--synthetic [--tag-count] [--tls] [--source-checksum ALG]]
 *     [--checksum crc32c|sha256] [--rounds R]
 *
 * Default endpoints are two s3rver instances (storage-bound, NOTES.md). With
 * --synthetic they are two child processes that serve and swallow bodies almost
 * for free, so the figure is the engine's own cost. --tag-count makes them send
 * x-amz-tagging-count, which spares the engine its GetObjectTagging probe. --tls
 * serves them over HTTPS with a certificate from a CA made for the run (openssl),
 * which the endpoints trust through their ca_bundle. One unmeasured round warms
 * the engine up; --rounds R measured rounds follow, with min/median/max. --checksum is the job's
 * checksum_algorithm (computed by the copier and sent); --source-checksum makes the synthetic source
 * report the body's checksum in that algorithm (x-amz-checksum-*), which the copier then sends and checks.
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, createCopyEngine, sdkClient, type JobChecksumAlgorithm, type S3Endpoint } from '../../libs/s3/index.js';
import { CHECKSUM_ALGORITHMS, checksumHeader, checksumOf, type ChecksumAlgorithm } from '../../libs/s3/checksums.js';
import { startS3Fixture } from '../harness/s3Fixture.js';
import { makeTempDir } from '../harness/tempDir.js';
import { makeTestCertificates } from '../harness/testCertificates.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const OBJECTS = option('--objects', 2000);
const SIZE = option('--size', 4096);
const ROUNDS = option('--rounds', 1);
const text = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const CONCURRENCY = 32;
const JOB_CHECKSUM = text('--checksum') as JobChecksumAlgorithm | undefined;
const SOURCE_CHECKSUM = text('--source-checksum') as ChecksumAlgorithm | undefined;
if (JOB_CHECKSUM !== undefined && JOB_CHECKSUM !== 'crc32c' && JOB_CHECKSUM !== 'sha256') throw new Error('--checksum must be crc32c or sha256');
if (SOURCE_CHECKSUM !== undefined && !CHECKSUM_ALGORITHMS.includes(SOURCE_CHECKSUM)) throw new Error(`--source-checksum must be one of ${CHECKSUM_ALGORITHMS.join(', ')}`);

/** Child mode: an S3-shaped server that answers GET with a fixed body and swallows PUTs. */
async function serveSynthetic(): Promise<void> {
  const body = randomBytes(SIZE);
  const etag = `"${createHash('md5').update(body).digest('hex')}"`;
  const checksum = SOURCE_CHECKSUM && { [checksumHeader(SOURCE_CHECKSUM)]: await checksumOf(SOURCE_CHECKSUM, body), 'x-amz-checksum-type': 'FULL_OBJECT' };
  const cert = text('--cert');
  const key = text('--key');
  const handler: http.RequestListener = (req, res) => {
    if (req.method === 'GET' && req.url?.includes('?tagging')) {
      res.end('<Tagging><TagSet></TagSet></Tagging>');
    } else if (req.method === 'GET') {
      const headers: http.OutgoingHttpHeaders = { 'content-length': SIZE, etag, 'content-type': 'application/octet-stream' };
      if (args.includes('--tag-count')) headers['x-amz-tagging-count'] = '0';
      if (checksum && req.headers['x-amz-checksum-mode'] === 'ENABLED') Object.assign(headers, checksum);
      res.writeHead(200, headers).end(body);
    } else {
      const md5 = createHash('md5');
      req.on('data', (c: Buffer) => md5.update(c));
      req.on('end', () => res.writeHead(200, { etag: `"${md5.digest('hex')}"` }).end());
    }
  };
  const server = cert && key ? https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
  process.on('disconnect', () => process.exit(0));
}

async function startSynthetic(tls?: { caPem: string; certFile: string; keyFile: string }): Promise<{ endpoint: S3Endpoint; stop(): Promise<void> }> {
  const serving = [
    '--serve',
    '--size',
    String(SIZE),
    ...args.filter((a) => a === '--tag-count'),
    ...(tls ? ['--cert', tls.certFile, '--key', tls.keyFile] : []),
    ...(SOURCE_CHECKSUM ? ['--source-checksum', SOURCE_CHECKSUM] : []),
  ];
  const child = fork(fileURLToPath(import.meta.url), serving);
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const endpoint: S3Endpoint = tls
    ? { endpoint: `https://127.0.0.1:${port}`, region: 'us-east-1', accessKey: 'K', secretKey: 'S', tls: { ca: tls.caPem } }
    : { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKey: 'K', secretKey: 'S' };
  return {
    endpoint,
    stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill())),
  };
}

async function main(): Promise<void> {
  const synthetic = args.includes('--synthetic');
  const keys = Array.from({ length: OBJECTS }, (_, i) => `bench/${String(i).padStart(6, '0')}`);
  const body = randomBytes(SIZE);
  const etag = createHash('md5').update(body).digest('hex');
  const tmp = makeTempDir('copy-bench');
  const tls = synthetic && args.includes('--tls') ? await makeTestCertificates(tmp.path) : undefined;
  const [a, b] = synthetic
    ? await Promise.all([startSynthetic(tls), startSynthetic(tls)])
    : await Promise.all([startS3Fixture(['src']), startS3Fixture(['dst'])]);
  try {
    if (!synthetic) {
      const client = sdkClient(a.endpoint);
      for (let i = 0; i < keys.length; i += 64) {
        await Promise.all(keys.slice(i, i + 64).map((Key) => client.send(new PutObjectCommand({ Bucket: 'src', Key, Body: body }))));
      }
    }
    const engine = createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
    const round = async () => {
      let next = 0;
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < keys.length) {
            const key = keys[next++]!;
            await engine.copy({
              source: a.endpoint,
              sourceBucket: 'src',
              destination: b.endpoint,
              destinationBucket: 'dst',
              key,
              size: SIZE,
              etag,
              ...(JOB_CHECKSUM ? { checksumAlgorithm: JOB_CHECKSUM } : {}),
            });
          }
        }),
      );
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpu);
      return { rate: OBJECTS / seconds, cpuMs: (used.user + used.system) / 1000 / OBJECTS };
    };
    const checksums = [JOB_CHECKSUM && `checksum_algorithm ${JOB_CHECKSUM}`, SOURCE_CHECKSUM && `source ${SOURCE_CHECKSUM}`].filter(Boolean).join(', ');
    const label = `${synthetic ? `synthetic${tls ? ' over TLS' : ''}` : 's3rver'}: ${OBJECTS} x ${SIZE} B at concurrency ${CONCURRENCY}${checksums ? `, ${checksums}` : ''}`;
    if (synthetic) await round(); // warm-up, unmeasured (s3rver's objects are written once per run)
    const results = [];
    for (let r = 0; r < ROUNDS; r++) {
      const result = await round();
      results.push(result);
      console.log(`${label}: ${result.rate.toFixed(0)} objects/s (${((result.rate * SIZE) / 1e6).toFixed(1)} MB/s), ${result.cpuMs.toFixed(3)} ms CPU per object`);
    }
    engine.close();
    if (ROUNDS > 1) {
      const spread = (values: number[], digits: number) => {
        const sorted = [...values].sort((x, y) => x - y);
        return `${sorted[0]!.toFixed(digits)} / ${sorted[Math.floor(sorted.length / 2)]!.toFixed(digits)} / ${sorted.at(-1)!.toFixed(digits)}`;
      };
      console.log(
        `${label}, ${ROUNDS} rounds, min / median / max: ${spread(results.map((r) => r.rate), 0)} objects/s; ${spread(results.map((r) => (r.rate * SIZE) / 1e6), 1)} MB/s; ${spread(results.map((r) => r.cpuMs), 3)} ms CPU per object`,
      );
    }
  } finally {
    closeSdkClients();
    await Promise.all([a.stop(), b.stop()]);
    tmp.remove();
  }
}

if (args.includes('--serve')) await serveSynthetic();
else await main();
