/**
 * Lists a generated bucket through a plain ListObjectsV2 loop with the SDK and prints
 * objects/s and peak RSS. Client and server share this process, so the figures are
 * for both. Run: node dist/test/bench/listing.bench.js [objectCount]
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startSyntheticS3 } from './syntheticS3.js';

const count = Number(process.argv[2] ?? 1_000_000);
const s3 = await startSyntheticS3({ buckets: { source: { count, size: 4096 } }, recordAccepted: false });
const sdk = new S3Client({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
const started = process.hrtime.bigint();
const cpuAtStart = process.cpuUsage();
let listed = 0;
let pages = 0;
try {
  let token: string | undefined;
  do {
    const page = await sdk.send(new ListObjectsV2Command({ Bucket: 'source', ContinuationToken: token }));
    listed += page.KeyCount ?? 0;
    pages++;
    token = page.NextContinuationToken;
  } while (token !== undefined);
} finally {
  clearInterval(sampler);
  sdk.destroy();
  await s3.stop();
}
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuAtStart);
if (listed !== count) throw new Error(`listed ${listed} objects, expected ${count}`);
console.log(
  JSON.stringify({
    objects: listed,
    pages,
    seconds: Number(seconds.toFixed(2)),
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    objectsPerSecond: Math.round(listed / seconds),
    peakRssMiB: Math.round(peakRss / 2 ** 20),
  }),
);
