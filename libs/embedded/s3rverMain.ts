/**
 * Child-process entry for the embedded S3 endpoint. Run with
 * --openssl-legacy-provider: s3rver's continuation tokens use DES, which Node 20
 * refuses otherwise (every ListObjectsV2 page after the first fails).
 */
import S3rver from 's3rver';
import { multipartExtras } from './s3rverMultipart.js';

const [host = '127.0.0.1', port = '0', directory = './.data/s3', ...buckets] = process.argv.slice(2);

const server = new S3rver({
  address: host,
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
// In front of s3rver's router (the last middleware): the multipart operations it leaves out.
server.middleware.splice(server.middleware.length - 1, 0, multipartExtras(server.store));
const address = await server.run();
process.stdout.write(`s3rver listening on ${host}:${address.port}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
