import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyVersions, readBucketVersioning, readVersionsPage, type ObjectVersion } from '../../libs/s3/listVersions.js';
import { S3Error } from '../../libs/s3/s3Error.js';
import { compileVersionFilter, countVersions, planKeyVersions } from '../../libs/selection/versionPlan.js';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function version(key: string, id: string, minute: number, opts: { marker?: boolean; size?: number } = {}): ObjectVersion {
  return {
    key,
    version_id: id,
    delete_marker: opts.marker ?? false,
    is_latest: false,
    last_modified: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    size: opts.marker ? 0 : (opts.size ?? 10),
    etag: opts.marker ? '' : 'e',
  };
}

describe('reading a ListObjectVersions page', () => {
  it('reads versions and delete markers in listed order, with the markers to go on from', () => {
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult ${NS}><Name>b</Name><KeyMarker></KeyMarker><MaxKeys>3</MaxKeys>` +
      '<DeleteMarker><Key>a &amp; b</Key><VersionId>v3</VersionId><IsLatest>true</IsLatest><LastModified>2026-01-01T00:03:00.000Z</LastModified><Owner><ID>x</ID></Owner></DeleteMarker>' +
      '<Version><Key>a &amp; b</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest><LastModified>2026-01-01T00:02:00Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>7</Size></Version>' +
      '<Version><Key>c</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>2026-01-01T00:01:00.000Z</LastModified><ETag>"d-2"</ETag><Size>12345678901</Size></Version>' +
      '<IsTruncated>true</IsTruncated><NextKeyMarker>c</NextKeyMarker><NextVersionIdMarker>null</NextVersionIdMarker></ListVersionsResult>';
    assert.deepEqual(readVersionsPage(xml), {
      versions: [
        { key: 'a & b', version_id: 'v3', delete_marker: true, is_latest: true, last_modified: '2026-01-01T00:03:00.000Z', size: 0, etag: '' },
        { key: 'a & b', version_id: 'v2', delete_marker: false, is_latest: false, last_modified: '2026-01-01T00:02:00.000Z', size: 7, etag: 'abc' },
        { key: 'c', version_id: 'null', delete_marker: false, is_latest: true, last_modified: '2026-01-01T00:01:00.000Z', size: 12345678901, etag: 'd-2' },
      ],
      truncated: true,
      nextKeyMarker: 'c',
      nextVersionIdMarker: 'null',
    });
  });

  it('refuses a truncated page without a key marker, an entry without a version id, an undated entry, another document', () => {
    const page = (body: string) => `<ListVersionsResult ${NS}>${body}</ListVersionsResult>`;
    const refused = (xml: string, code: string) => assert.throws(() => readVersionsPage(xml), (e: unknown) => e instanceof S3Error && e.code === code && e.retryable);
    refused(page('<IsTruncated>true</IsTruncated>'), 'InvalidResponse');
    refused(page('<Version><Key>k</Key><LastModified>2026-01-01T00:00:00Z</LastModified><Size>1</Size></Version>'), 'InvalidResponse');
    refused(page('<Version><Key>k</Key><VersionId>v</VersionId><Size>1</Size></Version>'), 'InvalidResponse');
    refused(`<ListBucketResult ${NS}></ListBucketResult>`, 'InvalidResponse');
    refused(page('<Version><Key>k</Ke'), 'MalformedResponse');
  });

  it('reads a bucket versioning status, none being unversioned', () => {
    assert.equal(readBucketVersioning(`<VersioningConfiguration ${NS}><Status>Enabled</Status></VersioningConfiguration>`), 'Enabled');
    assert.equal(readBucketVersioning(`<VersioningConfiguration ${NS}><Status>Suspended</Status></VersioningConfiguration>`), 'Suspended');
    assert.equal(readBucketVersioning(`<VersioningConfiguration ${NS}/>`), 'Unversioned');
    // s3rver ignores ?versioning and lists the bucket: no versioning, not a transient failure.
    assert.throws(() => readBucketVersioning(`<ListBucketResult ${NS}><Name>b</Name></ListBucketResult>`), (err: S3Error) => err.code === 'NotImplemented' && !err.retryable);
  });
});

describe('grouping listed versions by key', () => {
  it('keeps a key whole when its versions span pages', async () => {
    async function* pages() {
      yield [version('a', '2', 2), version('a', '1', 1), version('b', '3', 3)];
      yield [version('b', '2', 2)];
      yield [version('b', '1', 1), version('c', '1', 1)];
    }
    const keys: string[][] = [];
    for await (const group of keyVersions(pages())) keys.push(group.map((v) => `${v.key}${v.version_id}`));
    assert.deepEqual(keys, [['a2', 'a1'], ['b3', 'b2', 'b1'], ['c1']]);
  });
});

describe('planning the versions of a key', () => {
  const all = compileVersionFilter({});
  const ids = (vs: ObjectVersion[]) => vs.map((v) => v.version_id);

  it('copies three versions oldest first, and a delete marker as a marker', () => {
    const plan = planKeyVersions([version('k', 'dm', 4, { marker: true }), version('k', 'v3', 3), version('k', 'v2', 2), version('k', 'v1', 1)], all, new Map());
    assert.deepEqual(ids(plan.toCopy), ['v1', 'v2', 'v3', 'dm']);
    assert.deepEqual(countVersions(plan.toCopy), { versions: 3, delete_markers: 1 });
  });

  it('a key deleted and re-created keeps its marker between its versions', () => {
    const plan = planKeyVersions([version('k', 'again', 3), version('k', 'dm', 2, { marker: true }), version('k', 'first', 1)], all, new Map());
    assert.deepEqual(ids(plan.toCopy), ['first', 'dm', 'again']);
  });

  it('keeps the listing order for versions written in the same second (listed newest first)', () => {
    const plan = planKeyVersions([version('k', 'b', 1), version('k', 'a', 1)], all, new Map());
    assert.deepEqual(ids(plan.toCopy), ['a', 'b']);
  });

  it('a re-run copies only versions not yet copied, and nothing when all are', () => {
    const listed = [version('k', 'v3', 3), version('k', 'v2', 2), version('k', 'v1', 1)];
    const copied = new Map([['v1', 'd1'], ['v2', 'd2']]);
    const plan = planKeyVersions(listed, all, copied);
    assert.deepEqual(ids(plan.toCopy), ['v3']);
    assert.equal(plan.alreadyCopied, 2);
    copied.set('v3', 'd3');
    assert.deepEqual(ids(planKeyVersions(listed, all, copied).toCopy), []);
  });

  it('a version deleted at the source since is not copied again, nor are its successors', () => {
    // v2 was copied, then deleted at the source: it is no longer listed.
    const plan = planKeyVersions([version('k', 'v3', 3), version('k', 'v1', 1)], all, new Map([['v1', 'd1'], ['v2', 'd2'], ['v3', 'd3']]));
    assert.deepEqual(plan.toCopy, []);
    assert.equal(plan.alreadyCopied, 2);
  });

  it('a version not yet copied but older than a copied one is left behind, not written as the newest', () => {
    const plan = planKeyVersions([version('k', 'v3', 3), version('k', 'v2', 2), version('k', 'v1', 1)], all, new Map([['v2', 'd2']]));
    assert.deepEqual(ids(plan.behind), ['v1']);
    assert.deepEqual(ids(plan.toCopy), ['v3']);
  });

  it('filters each version by its own LastModified and size; markers by dates only', () => {
    const filter = compileVersionFilter({ created_after: '2026-01-01T00:02:00Z', min_size: 5 });
    const plan = planKeyVersions(
      [version('k', 'dm', 4, { marker: true }), version('k', 'small', 3, { size: 1 }), version('k', 'v2', 2), version('k', 'v1', 1)],
      filter,
      new Map(),
    );
    assert.deepEqual(ids(plan.toCopy), ['v2', 'dm']);
    assert.equal(plan.filteredOut, 2);
  });

  it('a tag filter decides versions, not markers', () => {
    const plan = planKeyVersions([version('k', 'dm', 3, { marker: true }), version('k', 'v2', 2), version('k', 'v1', 1)], all, new Map(), (v) => v.version_id === 'v2');
    assert.deepEqual(ids(plan.toCopy), ['v2', 'dm']);
  });
});
