import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEtag, checkSize, compareChecksums, factsFromHead } from '../../libs/s3/index.js';
import { classifyChecksums, classifyListed, verifyFromListings, type VerifyEntry } from '../../libs/selection/index.js';
import type { ObjectSummary } from '../../libs/selection/index.js';

const MD5 = '9e107d9d372bb6826bd81d3542a419d6';
const OTHER = 'e4d909c290d0fb1ca068ffaddf22cbd0';

describe('object checks', () => {
  it('reads size, ETag, checksums and an encryption that makes the ETag opaque from a HEAD', () => {
    const facts = factsFromHead({ 'content-length': '12', etag: `"${MD5.toUpperCase()}"`, 'x-amz-checksum-crc32c': 'yZRlqg==', 'x-amz-server-side-encryption': 'aws:kms' });
    assert.deepEqual(facts, { size: 12, etag: MD5, checksums: { crc32c: 'yZRlqg==' }, opaqueEtag: 'aws:kms' });
    assert.equal(factsFromHead({ 'content-length': '1', etag: '"x"', 'x-amz-server-side-encryption': 'AES256' }).opaqueEtag, undefined);
    assert.equal(factsFromHead({ 'content-length': '1', 'x-amz-server-side-encryption-customer-algorithm': 'AES256' }).opaqueEtag, 'SSE-C');
  });

  it('compares sizes', () => {
    assert.deepEqual(checkSize(10, 10), { ok: true });
    assert.deepEqual(checkSize(10, 12), { ok: false, detail: 'size 10 at the source, 12 at the destination', comparable: true });
  });

  it('compares ETags quoted or not, and says when part layouts differ', () => {
    assert.deepEqual(checkEtag(`"${MD5}"`, { etag: MD5 }), { ok: true });
    assert.deepEqual(checkEtag(`${MD5}-3`, { etag: `${MD5}-3` }), { ok: true });
    const differs = checkEtag(MD5, { etag: OTHER });
    assert.equal(differs.ok, false);
    assert.equal(!differs.ok && differs.comparable, true);
    const layout = checkEtag(MD5, { etag: `${OTHER}-2` });
    assert.equal(!layout.ok && layout.comparable, false);
    assert.match(!layout.ok ? layout.detail : '', /ETags cannot be compared: .* written in different parts \(use verify: size or checksum\)/);
    assert.equal(checkEtag(`${MD5}-2`, { etag: `${MD5}-3` }).ok, false);
    const counts = checkEtag(`${MD5}-2`, { etag: `${OTHER}-3` });
    assert.equal(!counts.ok && counts.comparable, false);
    const same = checkEtag(`${MD5}-2`, { etag: `${OTHER}-2` });
    assert.equal(!same.ok && same.comparable, true);
  });

  it('refuses to compare with an SSE-KMS or SSE-C destination ETag: not comparable, not a difference', () => {
    const kms = checkEtag(MD5, { etag: MD5, opaqueEtag: 'aws:kms' });
    assert.equal(kms.ok, false);
    assert.equal(!kms.ok && kms.comparable, false);
    assert.match(!kms.ok ? kms.detail : '', /encrypted with aws:kms.*use verify: size or checksum/);
  });

  it('compares checksums in the first algorithm both sides have', () => {
    assert.deepEqual(compareChecksums({ crc32: 'a', sha256: 'b' }, { sha256: 'b' }), { ok: true });
    assert.deepEqual(compareChecksums({ crc32c: 'a' }, { crc32c: 'c' }), { ok: false, detail: 'crc32c a at the source, c at the destination', comparable: true });
    const none = compareChecksums({ crc32c: 'a' }, {});
    assert.equal(!none.ok && none.comparable, false);
    assert.match(!none.ok ? none.detail : '', /the destination has no x-amz-checksum-\*/);
    const apart = compareChecksums({ crc32c: 'a' }, { sha1: 'b' });
    assert.match(!apart.ok ? apart.detail : '', /no checksum algorithm in common \(source: crc32c; destination: sha1\)/);
  });
});

const T = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-02T00:00:00.000Z';
const obj = (key: string, size = 10, etag = MD5, last_modified = T): ObjectSummary => ({ key, size, etag, last_modified });
const both = (s: ObjectSummary, d: ObjectSummary): VerifyEntry<ObjectSummary> => ({ key: s.key, source: s, destination: d });

describe('verify classification', () => {
  it('classifies one-sided keys as missing and extra', () => {
    assert.deepEqual(classifyListed({ key: 'a', source: obj('a') }, 'etag'), { result: 'missing', detail: 'not at the destination' });
    assert.deepEqual(classifyListed({ key: 'a', destination: obj('a') }, undefined), { result: 'extra', detail: 'at the destination only' });
  });

  it('compares by the job mode: size, etag, or (none) as a copy run decides what to skip', () => {
    assert.deepEqual(classifyListed(both(obj('a', 10, MD5), obj('a', 10, OTHER)), 'size'), { result: 'matched' });
    assert.equal(classifyListed(both(obj('a', 10, MD5), obj('a', 11, MD5)), 'size')?.result, 'differing');
    assert.equal(classifyListed(both(obj('a', 10, MD5), obj('a', 10, OTHER)), 'etag')?.result, 'differing');
    // Written in different parts, ETags say nothing: the key could not be verified this way.
    assert.equal(classifyListed(both(obj('a', 10, MD5), obj('a', 10, `${OTHER}-2`)), 'etag')?.result, 'failed');
    assert.deepEqual(classifyListed(both(obj('a', 10, MD5), obj('a', 10, `"${MD5}"`)), 'etag'), { result: 'matched' });
    // Without a mode, opaque (multipart) ETags fall back to the destination being at least as new.
    assert.deepEqual(classifyListed(both(obj('a', 10, `${MD5}-2`), obj('a', 10, `${OTHER}-3`, LATER)), undefined), { result: 'matched' });
    assert.deepEqual(classifyListed(both(obj('a', 10, MD5), obj('a', 12, MD5)), undefined), { result: 'differing', detail: 'size 10 at the source, 12 at the destination' });
    assert.equal(classifyListed(both(obj('a'), obj('a')), 'checksum'), undefined);
  });

  it('classifies by checksums from HEADs; none to compare is a failure to check, not a difference', () => {
    assert.deepEqual(classifyChecksums({ crc32: 'x' }, { crc32: 'x' }), { result: 'matched' });
    assert.equal(classifyChecksums({ crc32: 'x' }, { crc32: 'y' }).result, 'differing');
    assert.equal(classifyChecksums({}, {}).result, 'failed');
    assert.equal(classifyChecksums({ crc32: 'x' }, undefined).result, 'missing');
  });
});

async function* pagesOf(...pages: ObjectSummary[][]) {
  yield* pages;
}

async function collect(source: ObjectSummary[][], destination: ObjectSummary[][], filter: Parameters<typeof verifyFromListings>[2], tags: Record<string, Record<string, string>> = {}) {
  const fetched: string[] = [];
  const keys: Array<[string, string]> = [];
  const fetchTags = async (key: string) => {
    fetched.push(key);
    return tags[key] ?? {};
  };
  for await (const page of verifyFromListings(pagesOf(...source), pagesOf(...destination), filter, fetchTags, 4)) {
    for (const e of page) keys.push([e.key, e.source && e.destination ? 'both' : e.source ? 'source' : 'destination']);
  }
  return { keys, fetched };
}

describe('verify selection', () => {
  it('joins both listings in key order with extras, the filters selecting source objects only', async () => {
    const { keys } = await collect(
      [[obj('a', 10), obj('b', 1)], [obj('d', 10)]],
      [[obj('a'), obj('b'), obj('c')], [obj('e')]],
      { min_size: 5 },
    );
    // b is left out by min_size on the source: its destination copy is outside the verification, not extra.
    assert.deepEqual(keys, [
      ['a', 'both'],
      ['c', 'destination'],
      ['d', 'source'],
      ['e', 'destination'],
    ]);
  });

  it('fetches tags of source objects only, keeping destination-only keys and their order', async () => {
    const { keys, fetched } = await collect(
      [[obj('a'), obj('b'), obj('d')]],
      [[obj('b'), obj('c'), obj('d')]],
      { tags: { env: 'prod' } },
      { a: { env: 'prod' }, b: { env: 'dev' }, d: { env: 'prod' } },
    );
    assert.deepEqual(keys, [
      ['a', 'source'],
      ['c', 'destination'],
      ['d', 'both'],
    ]);
    assert.deepEqual(fetched.sort(), ['a', 'b', 'd']);
  });
});
