import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createCopyEngine, S3Error } from '../../libs/s3/index.js';

async function listen(handler: http.RequestListener): Promise<{ endpoint: string; server: http.Server }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a copy that fails while the source tags are being fetched', () => {
  const servers: http.Server[] = [];
  const engine = createCopyEngine({ multipartThreshold: 64 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
  after(() => {
    engine.close();
    for (const s of servers) s.close();
  });

  it('leaves no rejected tag request behind for the process to die of', async () => {
    const body = Buffer.from('object body');
    let tagsAnswered!: () => void;
    const tagging = new Promise<void>((resolve) => (tagsAnswered = resolve));
    // The source answers the tag request with a failure first, then the GET; the destination refuses the PUT.
    const source = await listen((req, res) => {
      if (req.url!.includes('tagging')) {
        res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code></Error>', tagsAnswered);
      } else {
        void tagging.then(() => setImmediate(() => res.writeHead(200, { 'content-length': body.length, etag: `"${createHash('md5').update(body).digest('hex')}"` }).end(body)));
      }
    });
    const destination = await listen((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>'));
    });
    servers.push(source.server, destination.server);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const endpoint = (e: string) => ({ endpoint: e, region: 'us-east-1', accessKey: 'K', secretKey: 'S' });
      await assert.rejects(
        engine.copy({ source: { ...endpoint(source.endpoint), taggingCountHeader: false }, sourceBucket: 'src', destination: endpoint(destination.endpoint), destinationBucket: 'dst', key: 'k', size: body.length, etag: '' }),
        (err: unknown) => err instanceof S3Error && err.code === 'AccessDenied',
      );
      // Unhandled rejections are reported once the microtask queue has drained: one macrotask later.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
