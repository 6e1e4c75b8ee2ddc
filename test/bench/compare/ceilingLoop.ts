/**
 * The ceiling of the side-by-side benchmark (issue 24): the bare signed GET→PUT loop on Ferry's
 * own copy path (SignedHttp.get and SignedHttp.upload, i.e. SigV4 signing and Http1Client with its
 * pooled read buffers), at concurrency C, and nothing else: no NATS, no events, no checksums, no
 * tags, no retries. What the whole system would do if everything around the copy were free.
 * Its own process, like minimalLoop.ts, so its CPU is measured apart. Prints one JSON line: wall
 * seconds and CPU seconds of the loop (start-up excluded).
 *
 *   node dist/test/bench/compare/ceilingLoop.js SPEC.json     (SPEC: loopSpec.ts)
 */
import { readFileSync } from 'node:fs';
import { SignedHttp } from '../../../libs/s3/signedHttp.js';
import { readDetail } from '../../../libs/http1/responseBody.js';
import type { S3Endpoint } from '../../../libs/s3/endpoint.js';
import type { Endpoint, LoopSpec } from './loopSpec.js';

const s3Endpoint = (e: Endpoint): S3Endpoint => ({
  endpoint: e.endpoint,
  region: 'us-east-1',
  accessKey: e.accessKey,
  secretKey: e.secretKey,
  pathStyle: true,
  ...(e.caPem ? { tls: { ca: e.caPem } } : {}),
});

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoopSpec;
const source = s3Endpoint(spec.source);
const destination = s3Endpoint(spec.destination);
const http = new SignedHttp();

async function copyOne(key: string): Promise<number> {
  const got = await http.get(source, { bucket: spec.sourceBucket, key });
  if (got.status !== 200) throw new Error(`GET ${key}: HTTP ${got.status} ${(await readDetail(got.body)).toString()}`);
  const length = Number(got.headers['content-length']);
  const contentType = got.headers['content-type'];
  const put = http.upload(destination, {
    method: 'PUT',
    bucket: spec.destinationBucket,
    key,
    headers: { 'content-length': String(length), ...(contentType ? { 'content-type': contentType } : {}) },
  });
  let remaining = length;
  const pumping = (async () => {
    for await (const chunk of got.body) {
      remaining -= chunk.length;
      const recycle = (err?: Error | null) => (err ? undefined : got.body.recycle?.(chunk));
      if (remaining === 0) put.body.end(chunk, recycle);
      else if (!put.body.write(chunk, recycle)) await put.body.drained();
    }
    if (!put.body.ended) put.body.end();
  })();
  const res = await put.response;
  const answer = await readDetail(res.body);
  await pumping;
  if (res.status !== 200) throw new Error(`PUT ${key}: HTTP ${res.status} ${answer.toString()}`);
  return length;
}

let next = 0;
let bytes = 0;
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: spec.concurrency }, async () => {
    while (next < spec.keys.length) bytes += await copyOne(spec.keys[next++]![0]);
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
http.close();
process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, objects: spec.keys.length, bytes })}\n`);
