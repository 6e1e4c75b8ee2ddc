/**
 * Child-process entry: s3rver with one more key pair besides S3RVER/S3RVER, so a job can use a
 * distinctive destination secret (the secrets scenario greps for it). Run with
 * --openssl-legacy-provider, like libs/embedded/s3rverMain.ts.
 *
 *   node --openssl-legacy-provider keyedS3rver.js HOST PORT DIR ACCESS_KEY SECRET_KEY [BUCKET...]
 */
import { createRequire } from 'node:module';
import S3rver from 's3rver';
import { multipartExtras } from '../../libs/embedded/s3rverMultipart.js';

const [host = '127.0.0.1', port = '0', directory = './s3', accessKey = '', secretKey = '', ...buckets] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const accounts = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
if (accessKey) accounts.DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);

const server = new S3rver({ address: host, port: Number(port), directory, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
// In front of s3rver's router (the last middleware): the multipart operations it leaves out.
server.middleware.splice(server.middleware.length - 1, 0, multipartExtras(server.store));
const address = await server.run();
process.stdout.write(`s3rver listening on ${host}:${address.port}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
