import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S3Error } from '../../libs/s3/s3Error.js';
import {
  embeddedError,
  errorFromBody,
  readAssumeRoleCredentials,
  readCopyPartEtag,
  readErrorFields,
  readListPage,
  readListParts,
  readTags,
  readUploadId,
} from '../../libs/s3/responseDocuments.js';
import { decodeReferences, readXml } from '../../libs/s3/xmlTree.js';

const page = (contents: string, state = '<IsTruncated>false</IsTruncated>') => `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${state}${contents}</ListBucketResult>`;
const entry = (fields: string) => `<Contents>${fields}</Contents>`;
const keyOf = (key: string) => readListPage(page(entry(`<Key>${key}</Key><Size>1</Size>`))).objects[0]!.key;

function rejectsAs(read: () => unknown, code: string): void {
  assert.throws(read, (err: unknown) => {
    assert.ok(err instanceof S3Error, `threw ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.retryable, true);
    return true;
  });
}

describe('references in S3 answers', () => {
  it('decodes the five named entities and decimal and hex character references', () => {
    assert.equal(decodeReferences('&lt;&gt;&amp;&quot;&apos;'), `<>&"'`);
    assert.equal(decodeReferences('&#65;&#x42;&#X43;&#x1F600;&#0000065;&#x000a;&#13;'), 'AB&#X43;😀A\n\r');
    assert.equal(keyOf('a&amp;b &lt;c&gt; &#x65E5;&#26412;'), 'a&b <c> 日本');
  });

  it('keeps as written what names no character: &#0;, surrogates, beyond U+10FFFF, unknown entities, a bare &', () => {
    for (const text of ['&#0;', '&#x0;', '&#xD800;', '&#56320;', '&#xFFFFFFFF;', '&#x110000;', '&#99999999999999999999;', '&bogus;', '&eacute;', '&#x;', '&#;', '&#12a;', 'x & y', '&amp', 'a;&;b']) {
      assert.equal(decodeReferences(text), text, text);
      assert.equal(keyOf(text.replace('<', '&lt;')), text);
    }
    assert.equal(decodeReferences('&bogus; &amp; &#0; &#x41;'), '&bogus; & &#0; A');
  });

  it('reads CDATA as text, and skips comments and processing instructions', () => {
    const xml = page(entry('<!-- a comment --><Key>a<![CDATA[<b>&amp;]]>c</Key><?pi x?><Size>2</Size>'));
    assert.equal(readListPage(`<?xml version="1.0"?>\n<!-- before -->\n${xml}\n<!-- after -->\n`).objects[0]!.key, 'a<b>&amp;c');
  });
});

describe('malformed answers', () => {
  const whole = page(entry('<Key>k&amp;1</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>5</Size>'), '<IsTruncated>true</IsTruncated><NextContinuationToken>t</NextContinuationToken>');

  it('a page cut short anywhere is MalformedResponse, retryable', () => {
    for (let cut = 0; cut < whole.length; cut++) rejectsAs(() => readListPage(whole.slice(0, cut)), 'MalformedResponse');
    assert.equal(readListPage(whole).objects[0]!.key, 'k&1');
  });

  it('refuses what is not well-formed: crossed or unclosed tags, two roots, a DOCTYPE, markup in an attribute', () => {
    for (const xml of [
      '<ListBucketResult><Contents><Key>k</Contents></Key></ListBucketResult>',
      '<ListBucketResult></ListBucketResult><ListBucketResult></ListBucketResult>',
      '<!DOCTYPE x [<!ENTITY e "boom">]><ListBucketResult>&e;</ListBucketResult>',
      '<ListBucketResult a="<">',
      '<ListBucketResult a=b></ListBucketResult>',
      '<ListBucketResult><Key>a<b</Key></ListBucketResult>',
      'text<ListBucketResult></ListBucketResult>',
      '<ListBucketResult></ListBucketResult>text',
      '',
      '\u00ff\u00fe<\u0000',
    ]) {
      rejectsAs(() => readListPage(xml), 'MalformedResponse');
    }
  });

  it('an entry without a Key, a Size that is no byte count or a LastModified that is no time is InvalidResponse', () => {
    for (const fields of [
      '<Size>1</Size>',
      '<Key>k</Key><Size>99999999999999999999999</Size>',
      '<Key>k</Key><Size>-1</Size>',
      '<Key>k</Key><Size>1e3</Size>',
      '<Key>k</Key><Size></Size>',
      '<Key>k</Key><Size>1</Size><LastModified>not a time</LastModified>',
      '<Key>k</Key><Size>1</Size><LastModified>+275760-09-13T00:00:00.001Z</LastModified>',
    ]) {
      rejectsAs(() => readListPage(page(entry(fields))), 'InvalidResponse');
    }
  });

  it('a page said to be truncated without a token to go on with is InvalidResponse, not the end of the listing', () => {
    rejectsAs(() => readListPage(page('', '<IsTruncated>true</IsTruncated>')), 'InvalidResponse');
  });

  it('reads times as toISOString writes them, days past the end of a month included', () => {
    const at = (time: string) => readListPage(page(entry(`<Key>k</Key><Size>1</Size><LastModified>${time}</LastModified>`))).objects[0]!.last_modified;
    assert.equal(at('2024-05-17T10:11:12.345Z'), '2024-05-17T10:11:12.345Z');
    assert.equal(at('2024-05-17T10:11:12Z'), '2024-05-17T10:11:12.000Z');
    assert.equal(at('2023-02-29T00:00:00.000Z'), '2023-03-01T00:00:00.000Z');
    assert.equal(at('2024-01-31T24:00:00.000Z'), '2024-02-01T00:00:00.000Z');
    assert.equal(readListPage(page(entry('<Key>k</Key><Size>1</Size>'))).objects[0]!.last_modified, '1970-01-01T00:00:00.000Z');
  });
});

describe('error answers', () => {
  it('classify by code and message, S3 and STS forms, whatever entities the message holds', () => {
    const s3rver = errorFromBody(404, Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>caf&eacute; &amp; &#xFFFFFFFF;</Message></Error>'));
    assert.deepEqual([s3rver.code, s3rver.message, s3rver.retryable], ['NoSuchKey', 'caf&eacute; & &#xFFFFFFFF;', false]);
    const sts = readErrorFields('<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error><RequestId>r</RequestId></ErrorResponse>');
    assert.deepEqual(sts, { code: 'AccessDenied', message: 'no', region: undefined });
  });

  it('classify by HTTP status when the body cannot be read', () => {
    for (const body of ['<Error><Code>SlowDown</Code><Message>cut', '<html><body>Bad gateway</body>', '', '\u00ff\u00fe']) {
      const err = errorFromBody(503, Buffer.from(body, 'latin1'));
      assert.deepEqual([err.code, err.retryable], ['ServiceUnavailable', true], body);
    }
    assert.equal(errorFromBody(403, Buffer.from('<Error><Code>AccessDenied</Code')).code, 'AccessDenied');
  });

  it('find an <Error> in a 200 answer, and call one cut short MalformedResponse', () => {
    assert.equal(embeddedError(200, Buffer.from('<CopyObjectResult><ETag>&quot;x&quot;</ETag></CopyObjectResult>')), undefined);
    assert.equal(embeddedError(200, Buffer.alloc(0)), undefined);
    const inside = embeddedError(200, Buffer.from('<?xml version="1.0"?>\n<Error><Code>SlowDown</Code><Message>later</Message></Error>'));
    assert.deepEqual([inside?.code, inside?.status, inside?.retryable], ['SlowDown', 500, true]);
    const cut = embeddedError(200, Buffer.from('<Error><Code>Internal'));
    assert.deepEqual([cut?.code, cut?.retryable], ['MalformedResponse', true]);
  });
});

describe('tags, multipart and STS answers', () => {
  it('reads tags escaped, and as s3rver writes them with & and < unescaped', () => {
    const escaped = '<Tagging><TagSet><Tag><Key>a &amp; b</Key><Value>&lt;x&gt;</Value></Tag><Tag><Key>e</Key><Value/></Tag></TagSet></Tagging>';
    assert.deepEqual(readTags(escaped), [['a & b', '<x>'], ['e', '']]);
    assert.deepEqual(readTags('<Tagging><TagSet><Tag><Key>a&b</Key><Value><x></Value></Tag></TagSet></Tagging>'), [['a&b', '<x>']]);
    rejectsAs(() => readTags('<Tagging><TagSet><Tag><Key>a</Key><Value>b'), 'MalformedResponse');
  });

  it('reads an UploadId and a copied part ETag, and refuses answers without them', () => {
    assert.equal(readUploadId('<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>id&amp;1</UploadId></InitiateMultipartUploadResult>'), 'id&1');
    rejectsAs(() => readUploadId('<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>'), 'InvalidResponse');
    rejectsAs(() => readUploadId('<InitiateMultipartUploadResult><UploadId>id'), 'MalformedResponse');
    assert.equal(readCopyPartEtag('<CopyPartResult><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag></CopyPartResult>'), '"abc"');
    rejectsAs(() => readCopyPartEtag('<Error><Code>SlowDown</Code></Error>'), 'InvalidResponse');
  });

  it('reads AssumeRole credentials, and refuses an answer without them or with an Expiration that is no time', () => {
    const answer = (credentials: string) => `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>${credentials}</Credentials></AssumeRoleResult></AssumeRoleResponse>`;
    assert.deepEqual(readAssumeRoleCredentials(answer('<AccessKeyId>AK</AccessKeyId><SecretAccessKey>s&amp;k</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>')), {
      accessKeyId: 'AK',
      secretAccessKey: 's&k',
      sessionToken: 't',
      expiration: new Date('2030-01-01T00:00:00Z'),
    });
    rejectsAs(() => readAssumeRoleCredentials(answer('<AccessKeyId>AK</AccessKeyId>')), 'InvalidResponse');
    rejectsAs(() => readAssumeRoleCredentials(answer('<AccessKeyId>AK</AccessKeyId><SecretAccessKey>s</SecretAccessKey><Expiration>soon</Expiration>')), 'InvalidResponse');
    rejectsAs(() => readAssumeRoleCredentials(answer('<AccessKeyId>AK</AccessKeyId>').slice(0, 120)), 'MalformedResponse');
  });
});

describe('the reader on hostile input', () => {
  it('stays linear on many ampersands without a semicolon, and on deep nesting', () => {
    const ampersands = `<a>${'&'.repeat(200_000)};</a>`;
    assert.equal(readXml(ampersands).text.length, 200_001);
    const deep = `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`;
    assert.equal(readXml(deep).children.length, 1);
  });
});

describe('ListParts answers', () => {
  const part = (n: number, size: number, etag = `"${String(n).padStart(32, '0')}"`) =>
    `<Part><PartNumber>${n}</PartNumber><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>${etag}</ETag><Size>${size}</Size></Part>`;

  it('reads each part\'s number, unquoted ETag and size, and where a truncated answer goes on', () => {
    const page = readListParts(`<ListPartsResult><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>${part(1, 5)}${part(2, 7, '&quot;abc&quot;')}</ListPartsResult>`);
    assert.deepEqual(page, { parts: [{ number: 1, etag: '0'.repeat(31) + '1', size: 5 }, { number: 2, etag: 'abc', size: 7 }], nextMarker: '2' });
    assert.deepEqual(readListParts(`<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>`), { parts: [] });
  });

  it("reads a part's additional checksums, as S3 lists them for an upload that carries one", () => {
    const xml = '<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>"e"</ETag><Size>5</Size><ChecksumCRC32C>yZRlqg==</ChecksumCRC32C></Part></ListPartsResult>';
    assert.deepEqual(readListParts(xml).parts, [{ number: 1, etag: 'e', size: 5, checksums: { crc32c: 'yZRlqg==' } }]);
  });

  it('a part without its number, size or ETag, or a truncated answer without a marker, is InvalidResponse', () => {
    const invalid = (err: unknown) => err instanceof S3Error && err.code === 'InvalidResponse' && err.retryable;
    assert.throws(() => readListParts('<ListPartsResult><Part><PartNumber>1</PartNumber><Size>5</Size></Part></ListPartsResult>'), invalid);
    assert.throws(() => readListParts('<ListPartsResult><Part><PartNumber>x</PartNumber><ETag>"a"</ETag><Size>5</Size></Part></ListPartsResult>'), invalid);
    assert.throws(() => readListParts('<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>'), invalid);
    assert.throws(() => readListParts('<ListBucketResult/>'), invalid);
  });
});
