import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readListPage } from '../../libs/s3/responseDocuments.js';

describe('reading a ListObjectsV2 page', () => {
  it('reads every entry, unescaping keys and ETags, with the page state placed after the entries', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>' +
      '<Contents><Key>a&amp;b &lt;c&gt; &#x65E5;</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag><Size>42</Size><StorageClass>STANDARD</StorageClass></Contents>' +
      '<Contents><Key>big</Key><LastModified>2024-02-03T04:05:06Z</LastModified><ETag>"abc-3"</ETag><Size>123456789012</Size><Owner><ID>x</ID></Owner></Contents>' +
      '<IsTruncated>true</IsTruncated><NextContinuationToken>tok/+=</NextContinuationToken></ListBucketResult>';
    assert.deepEqual(readListPage(xml), {
      objects: [
        { key: 'a&b <c> 日', size: 42, etag: '0123456789abcdef0123456789abcdef', last_modified: '2024-01-01T00:00:00.000Z' },
        { key: 'big', size: 123456789012, etag: 'abc-3', last_modified: '2024-02-03T04:05:06.000Z' },
      ],
      truncated: true,
      nextToken: 'tok/+=',
    });
  });

  it('reads the page state placed before the entries, and an empty last page', () => {
    const before = '<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>0</Size><ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag><LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents></ListBucketResult>';
    assert.deepEqual(readListPage(before), {
      objects: [{ key: 'k', size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e', last_modified: '2024-01-01T00:00:00.000Z' }],
      truncated: false,
      nextToken: undefined,
    });
    assert.deepEqual(readListPage('<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>'), { objects: [], truncated: false, nextToken: undefined });
  });
});
