import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketAddress, endpointForRegion, isVirtualHostableBucket, prefersVirtualHost, requestPath } from '../../libs/s3/addressing.js';
import { parseEndpoint, type S3Endpoint } from '../../libs/s3/endpoint.js';

const endpoint = (url: string, pathStyle?: boolean): S3Endpoint => ({ endpoint: url, region: 'us-east-1', accessKey: 'k', secretKey: 's', pathStyle });
const prefers = (url: string, pathStyle?: boolean) => prefersVirtualHost(endpoint(url, pathStyle), parseEndpoint(url));

describe('S3 addressing', () => {
  it('is virtual-hosted for AWS hosts and path-style for custom endpoints, unless configured', () => {
    assert.equal(prefers('https://s3.eu-west-1.amazonaws.com'), true);
    assert.equal(prefers('https://S3.AmazonAWS.com'), true);
    assert.equal(prefers('https://s3.amazonaws.com', true), false);
    assert.equal(prefers('http://127.0.0.1:9000'), false);
    assert.equal(prefers('https://minio.example.com'), false);
    assert.equal(prefers('https://minio.example.com', false), true);
    assert.equal(prefers('https://amazonaws.com.evil.example'), false);
  });

  it('puts only DNS-safe bucket names in the host, as the SDK does', () => {
    for (const ok of ['abc', 'my-bucket', 'a1b2c3', 'x'.repeat(63)]) assert.equal(isVirtualHostableBucket(ok, true), true, ok);
    for (const bad of ['ab', 'x'.repeat(64), 'Upper', 'under_score', '-dash', 'dash-', 'a..b', '192.168.1.1', 'a.-b']) {
      assert.equal(isVirtualHostableBucket(bad, false), false, bad);
    }
    assert.equal(isVirtualHostableBucket('with.dots', false), true);
    assert.equal(isVirtualHostableBucket('with.dots', true), false, 'dots break the wildcard certificate over HTTPS');
  });

  it('builds the host and path of each style, under a base path', () => {
    const p = parseEndpoint('https://s3.example.com:8443/base/');
    const virtual = bucketAddress(p, 'bkt', true);
    assert.deepEqual([virtual.hostname, virtual.host, requestPath(virtual, undefined), requestPath(virtual, 'a b/c')], ['bkt.s3.example.com', 'bkt.s3.example.com:8443', '/base/', '/base/a%20b/c']);
    const path = bucketAddress(p, 'Bkt', true);
    assert.deepEqual([path.hostname, path.host, requestPath(path, undefined), requestPath(path, 'a b/c')], ['s3.example.com', 's3.example.com:8443', '/base/Bkt', '/base/Bkt/a%20b/c']);
  });

  it('sends a bucket found in another region to the AWS endpoint of that region, and keeps any other endpoint', () => {
    assert.equal(endpointForRegion('https://s3.amazonaws.com', 'eu-west-1'), 'https://s3.eu-west-1.amazonaws.com');
    assert.equal(endpointForRegion('https://s3.us-east-1.amazonaws.com', 'ap-south-1'), 'https://s3.ap-south-1.amazonaws.com');
    assert.equal(endpointForRegion('https://s3-us-west-2.amazonaws.com/', 'eu-central-1'), 'https://s3.eu-central-1.amazonaws.com');
    assert.equal(endpointForRegion('https://s3.dualstack.us-east-1.amazonaws.com', 'eu-west-1'), 'https://s3.dualstack.eu-west-1.amazonaws.com');
    for (const kept of ['https://s3-accelerate.amazonaws.com', 'http://127.0.0.1:9000', 'https://minio.example.com/base', 'https://s3.amazonaws.com.evil.example']) {
      assert.equal(endpointForRegion(kept, 'eu-west-1'), kept);
    }
  });
});
