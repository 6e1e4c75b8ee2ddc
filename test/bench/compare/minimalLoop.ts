/**
 * The minimal copy loop of the side-by-side benchmark, run as its own process so its CPU
 * is measured apart: GET then PUT with the AWS SDK (default handler, path style, checksums
 * only when required) at concurrency C, over a key list given in a file, and nothing else.
 * Prints one JSON line: wall seconds and CPU seconds of the loop (start-up excluded).
 *
 *   node dist/test/bench/compare/minimalLoop.js SPEC.json
 *   SPEC: { source, destination: { endpoint, accessKey, secretKey, caPem? }, sourceBucket,
 *           destinationBucket, concurrency, keys: [[key, size], ...] }
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Endpoint, LoopSpec } from './loopSpec.js';

const client = (e: Endpoint) =>
  new S3Client({
    endpoint: e.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: e.accessKey, secretAccessKey: e.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(e.caPem ? { requestHandler: { httpsAgent: new Agent({ keepAlive: true, ca: e.caPem }) } } : {}),
  });

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoopSpec;
const source = client(spec.source);
const destination = client(spec.destination);

let next = 0;
let bytes = 0;
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: spec.concurrency }, async () => {
    while (next < spec.keys.length) {
      const [key] = spec.keys[next++]!;
      const got = await source.send(new GetObjectCommand({ Bucket: spec.sourceBucket, Key: key }));
      await destination.send(
        new PutObjectCommand({
          Bucket: spec.destinationBucket,
          Key: key,
          Body: got.Body as Readable,
          ContentLength: got.ContentLength,
          ContentType: got.ContentType,
          Metadata: got.Metadata,
        }),
      );
      bytes += got.ContentLength ?? 0;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
source.destroy();
destination.destroy();
process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, objects: spec.keys.length, bytes })}\n`);
