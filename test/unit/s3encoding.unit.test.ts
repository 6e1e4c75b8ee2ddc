import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePartSize, encodeKey, endpointIdentity } from '../../libs/s3/index.js';
import { copySource } from '../../libs/s3/uri.js';
import { readTags } from '../../libs/s3/responseDocuments.js';
import { carriedHeaders } from '../../libs/s3/objectHeaders.js';

const MiB = 1024 * 1024;

describe('S3 URI encoding', () => {
  it('encodes every reserved character and keeps slashes', () => {
    assert.equal(encodeKey('a b/c+d&e=f#g?h:i,j%k'), 'a%20b/c%2Bd%26e%3Df%23g%3Fh%3Ai%2Cj%25k');
    assert.equal(encodeKey("!'()*~-_."), '%21%27%28%29%2A~-_.');
    assert.equal(encodeKey('Ü/日'), '%C3%9C/%E6%97%A5');
    assert.equal(encodeKey('a//b/'), 'a//b/');
  });

  it('spells a copy source both ways', () => {
    assert.equal(copySource('bk', 'a+b c%', 'rfc3986'), 'bk/a%2Bb%20c%25');
    assert.equal(copySource('bk', 'a+b c%', 'reserved-raw'), 'bk/a+b%20c%25');
  });
});

describe('choosePartSize', () => {
  it('keeps the configured size while the object fits in 10,000 parts', () => {
    assert.equal(choosePartSize(12 * MiB, 5 * MiB), 5 * MiB);
    assert.equal(choosePartSize(10_000 * 8 * MiB, 8 * MiB), 8 * MiB);
  });

  it('grows in whole MiB so 5 TiB fits in 10,000 parts', () => {
    const fiveTiB = 5 * 1024 * 1024 * MiB;
    const size = choosePartSize(fiveTiB, 8 * MiB);
    assert.equal(size % MiB, 0);
    assert.ok(Math.ceil(fiveTiB / size) <= 10_000);
    assert.equal(size, 525 * MiB);
  });
});

describe('endpointIdentity', () => {
  const e = { endpoint: 'http://Host.example:80/', region: 'us-east-1', accessKey: 'A', secretKey: 'S' };
  it('ignores spelling differences of the same URL', () => {
    assert.equal(endpointIdentity(e), endpointIdentity({ ...e, endpoint: 'http://host.example' }));
  });
  it('differs by port, scheme, region and access key', () => {
    for (const other of [{ endpoint: 'http://host.example:81' }, { endpoint: 'https://host.example' }, { region: 'eu-west-1' }, { accessKey: 'B' }]) {
      assert.notEqual(endpointIdentity(e), endpointIdentity({ ...e, ...other }));
    }
  });
});

describe('tags and headers carried onto a copy', () => {
  it('parses tags, even from a document with unescaped ampersands', () => {
    assert.deepEqual(readTags('<Tagging><TagSet><Tag><Key>a &amp; b</Key><Value>x & y</Value></Tag><Tag><Key>e</Key><Value></Value></Tag></TagSet></Tagging>'), [
      ['a & b', 'x & y'],
      ['e', ''],
    ]);
    assert.deepEqual(readTags('<Tagging><TagSet /></Tagging>'), []);
  });

  it('keeps content headers and user metadata, nothing else', () => {
    assert.deepEqual(
      carriedHeaders({
        'content-type': 'text/plain',
        'content-length': '5',
        etag: '"x"',
        expires: 'Thu, 01 Jan 2037 00:00:00 GMT',
        'x-amz-meta-owner': 'me',
        'x-amz-request-id': 'r',
      }),
      { 'content-type': 'text/plain', expires: 'Thu, 01 Jan 2037 00:00:00 GMT', 'x-amz-meta-owner': 'me' },
    );
  });
});
