import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkBucket, closeCheckConnections } from '../../libs/s3/bucketCheck.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';

describe('checkBucket reaches the host the bucket is addressed at (synthetic S3 over real sockets)', () => {
  let s3: SyntheticS3;
  let port: string;

  before(async () => {
    s3 = await startSyntheticS3({ buckets: { src: { count: 3, size: 10 }, dst: { count: 0, size: 0 } } });
    port = new URL(s3.endpoint).port;
  });

  after(async () => {
    closeCheckConnections();
    await s3?.stop();
  });

  const check = (pathStyle: boolean | undefined, probeKey?: string) => {
    const endpoint = `http://localhost:${port}`;
    return checkBucket({
      side: 'destination',
      endpoint,
      bucket: 'dst',
      pathStyle,
      signing: async () => ({ endpoint, region: 'us-east-1', accessKey: 'k', secretKey: 's', ...(pathStyle === undefined ? {} : { pathStyle }) }),
      probeKey,
    });
  };

  it('with path_style false resolves and connects to bucket.localhost, and every request goes there', async () => {
    const before = s3.stats();
    const result = await check(false, '.ferry-check-int');
    assert.equal(result.ok, true, JSON.stringify(result));
    const dns = result.steps.find((s) => s.name === 'dns')!;
    assert.match(dns.detail, /^dst\.localhost resolves to 127\.0\.0\.1/);
    assert.deepEqual(result.steps.map((s) => [s.name, s.status]), [
      ['credentials', 'passed'], ['dns', 'passed'], ['tcp', 'passed'], ['tls', 'skipped'],
      ['signature', 'passed'], ['bucket', 'passed'], ['list', 'passed'], ['write', 'passed'], ['delete', 'passed'],
    ]);
    const after = s3.stats();
    // ListObjectsV2, PUT and DELETE name the bucket in the host; ListBuckets names none.
    assert.equal(after.virtualHosted - before.virtualHosted, 3);
    assert.equal(after.puts - before.puts, 1);
    assert.equal(s3.accepted('dst') instanceof Map ? (s3.accepted('dst') as Map<string, unknown>).size : s3.accepted('dst'), 0, 'the probe was deleted');
  });

  it('path-style by default for a custom endpoint: the endpoint host itself', async () => {
    const before = s3.stats();
    const result = await check(undefined);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.match(result.steps.find((s) => s.name === 'dns')!.detail, /^localhost resolves to/);
    assert.equal(s3.stats().virtualHosted - before.virtualHosted, 0);
  });
});
