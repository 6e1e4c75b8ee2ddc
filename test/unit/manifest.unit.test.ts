import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FerryError, validateJobDefinition, validateManifest } from '../../libs/domain/index.js';
import { decodeManifestKey, splitCsvLine } from '../../libs/selection/manifest/csvLine.js';
import { parseInventoryManifest } from '../../libs/selection/manifest/inventoryManifest.js';
import { mapInOrder } from '../../libs/selection/mapInOrder.js';

const fieldOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    if (err instanceof FerryError) return err.details[0]?.field;
    throw err;
  }
  return undefined;
};

describe('manifest CSV rows', () => {
  it('splits plain and quoted fields, a doubled quote being one quote', () => {
    assert.deepEqual(splitCsvLine('src,a/b.txt'), ['src', 'a/b.txt']);
    assert.deepEqual(splitCsvLine('"src","a,b ""c"".txt","v1"'), ['src', 'a,b "c".txt', 'v1']);
    assert.deepEqual(splitCsvLine('src,,'), ['src', '', '']);
  });

  it('refuses a line whose quotes do not close, or text after a closing quote', () => {
    assert.equal(splitCsvLine('"src,key'), undefined);
    assert.equal(splitCsvLine('"src"x,key'), undefined);
  });

  it('decodes keys as S3 Inventory writes them: URL-encoded, a space as +', () => {
    assert.equal(decodeManifestKey('photos/my+cat%2B1.jpg'), 'photos/my cat+1.jpg');
    assert.equal(decodeManifestKey('%E2%82%AC/%F0%9F%98%80'), '€/😀');
    assert.equal(decodeManifestKey('bad%E2%82'), undefined);
  });
});

describe('S3 Inventory manifest.json', () => {
  const manifest = {
    sourceBucket: 'src',
    destinationBucket: 'arn:aws:s3:::inventory',
    fileFormat: 'CSV',
    fileSchema: 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size',
    files: [{ key: 'inv/data/1.csv.gz', size: 120, MD5checksum: 'D41D8CD98F00B204E9800998ECF8427E' }],
  };

  it('finds the files and where Bucket, Key, VersionId, IsLatest and IsDeleteMarker sit', () => {
    const parsed = parseInventoryManifest(JSON.stringify(manifest), 's3://inventory/m.json');
    assert.deepEqual(parsed.files, [{ key: 'inv/data/1.csv.gz', size: 120, md5: 'd41d8cd98f00b204e9800998ecf8427e' }]);
    assert.deepEqual(parsed.columns, { bucket: 0, key: 1, versionId: 2, isLatest: 3, isDeleteMarker: 4 });
  });

  it('refuses ORC reports, a schema without Key, and files without checksums, naming the manifest', () => {
    const parse = (over: object) => () => parseInventoryManifest(JSON.stringify({ ...manifest, ...over }), 's3://inventory/m.json');
    assert.throws(parse({ fileFormat: 'ORC' }), /manifest s3:\/\/inventory\/m.json: fileFormat "ORC" is not supported/);
    assert.throws(parse({ fileSchema: 'Bucket, Size' }), /lacks Bucket or Key/);
    assert.throws(parse({ files: [{ key: 'x', size: 1 }] }), /files\[0\] has no MD5checksum/);
    assert.throws(() => parseInventoryManifest('{not json', 'where'), /manifest where: is not JSON/);
  });
});

describe('manifest in a job definition', () => {
  const job = { job_id: 'm', source_bucket: 'src', destination_bucket: 'dst' };

  it('fills format csv and endpoint source by default', () => {
    assert.deepEqual(validateJobDefinition({ ...job, manifest: { bucket: 'lists', key: 'm.csv' } }).manifest, {
      bucket: 'lists',
      key: 'm.csv',
      format: 'csv',
      endpoint: 'source',
    });
  });

  it('names the field that is wrong', () => {
    assert.equal(fieldOf(() => validateManifest({ key: 'm.csv' }, undefined)), 'manifest.bucket');
    assert.equal(fieldOf(() => validateManifest({ bucket: 'lists', key: 'm.csv', format: 'parquet' }, undefined)), 'manifest.format');
    assert.equal(fieldOf(() => validateManifest({ bucket: 'lists', key: 'm.csv', endpoint: 'elsewhere' }, undefined)), 'manifest.endpoint');
    assert.equal(fieldOf(() => validateManifest({ bucket: 'lists', key: 'm.csv', rows: 3 }, undefined)), 'manifest.rows');
    assert.equal(fieldOf(() => validateManifest(undefined, true)), 'manifest_strict');
    assert.equal(fieldOf(() => validateJobDefinition({ ...job, manifest: { bucket: 'No_Such', key: 'm.csv' } })), 'manifest.bucket');
  });
});

describe('mapInOrder', () => {
  it('keeps the order of the items whatever order the calls finish in, with at most the given number in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapInOrder([30, 10, 20, 0, 5], 2, async (ms) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight--;
      return ms * 2;
    });
    assert.deepEqual(out, [60, 20, 40, 0, 10]);
    assert.equal(most, 2);
  });
});
