import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { closeSdkClients, listObjects, S3Error, type ListedObject, type S3Endpoint } from '../../libs/s3/index.js';

const entry = (key: string) => `<Contents><Key>${key}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size></Contents>`;
const FIRST = `<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>next</NextContinuationToken>${entry('a')}${entry('b&amp;&#xFFFFFFFF;')}</ListBucketResult>`;
const SECOND = `<ListBucketResult><IsTruncated>false</IsTruncated>${entry('c')}</ListBucketResult>`;

async function collect(pages: AsyncGenerator<ListedObject[]>): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of pages) keys.push(...page.map((o) => o.key));
  return keys;
}

/** A listing server whose answers a test decides: whole pages, or pages cut short by a "proxy". */
describe('listObjects on malformed pages', () => {
  let server: Server;
  let endpoint: S3Endpoint;
  let cutsLeft = 0;
  const requests: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('continuation-token');
      requests.push(token ?? 'first');
      const page = token === 'next' ? SECOND : FIRST;
      // Cut inside the second entry: read as it was before, a shorter page whose listing went on.
      const body = cutsLeft-- > 0 ? page.slice(0, page.indexOf('b&amp;')) : page;
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', accessKey: 'k', secretKey: 's' };
  });
  after(async () => {
    closeSdkClients();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks again for a page cut short, and lists every key (references naming no character as written)', async () => {
    requests.length = 0;
    cutsLeft = 2;
    assert.deepEqual(await collect(listObjects(endpoint, 'b', { retry: { baseDelayMs: 1 } })), ['a', 'b&&#xFFFFFFFF;', 'c']);
    assert.deepEqual(requests, ['first', 'first', 'first', 'next']);
  });

  it('gives up on a page that stays cut short with MalformedResponse', async () => {
    cutsLeft = Infinity;
    await assert.rejects(collect(listObjects(endpoint, 'b', { retry: { attempts: 3, baseDelayMs: 1 } })), (err: unknown) => {
      assert.ok(err instanceof S3Error, String(err));
      assert.equal(err.code, 'MalformedResponse');
      return true;
    });
    cutsLeft = 0;
  });
});
