import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferLayout, keptPartsInFlight, multipartCount, uniformLayout } from '../../libs/s3/partLayout.js';

const MiB = 1024 * 1024;
const ODD = Math.round(1.3 * MiB);

describe('part layouts of multipart sources', () => {
  it('reads the part count from a multipart ETag only', () => {
    assert.equal(multipartCount('"0123456789abcdef0123456789abcdef-7"'), 7);
    assert.equal(multipartCount('0123456789ABCDEF0123456789abcdef-10000'), 10_000);
    assert.equal(multipartCount('0123456789abcdef0123456789abcdef'), undefined);
    assert.equal(multipartCount('0123456789abcdef0123456789abcdef-0'), undefined);
    assert.equal(multipartCount('0123456789abcdef0123456789abcdef-10001'), undefined);
    assert.equal(multipartCount('opaque-3'), undefined);
  });

  it('takes the first part size as every part but a smaller, non-empty last one, within S3\'s limits', () => {
    assert.deepEqual(uniformLayout(2 * 5 * MiB + ODD, 3, 5 * MiB, 'source'), { partSize: 5 * MiB, count: 3, from: 'source' });
    assert.deepEqual(uniformLayout(15 * MiB, 3, 5 * MiB, 'source'), { partSize: 5 * MiB, count: 3, from: 'source' }, 'a last part as large as the others');
    assert.equal(uniformLayout(15 * MiB + 1, 3, 5 * MiB, 'source'), undefined, 'the last part would be the largest');
    assert.equal(uniformLayout(10 * MiB, 3, 5 * MiB, 'source'), undefined, 'the last part would be empty');
    assert.equal(uniformLayout(3 * MiB, 2, 2 * MiB, 'source'), undefined, 'parts under 5 MiB');
    assert.deepEqual(uniformLayout(MiB, 1, MiB, 'source'), { partSize: MiB, count: 1, from: 'source' }, 'one part may be small');
    assert.equal(uniformLayout(0, 1, 0, 'source'), undefined);
  });

  it('infers the whole-MiB part size that fits, preferring Ferry\'s own, then common ones, then the smallest', () => {
    assert.equal(inferLayout(6 * 5 * MiB + ODD, 7, 16 * MiB)?.partSize, 5 * MiB, 'one fit');
    assert.equal(inferLayout(2 * 8 * MiB + ODD, 3, 16 * MiB)?.partSize, 8 * MiB, '6, 7 and 8 MiB fit: 8 is the AWS CLI\'s');
    assert.equal(inferLayout(2 * 8 * MiB + ODD, 3, 7 * MiB)?.partSize, 7 * MiB, 'the configured part size first');
    assert.equal(inferLayout(6 * 6 * MiB + ODD, 7, 16 * MiB)?.partSize, 6 * MiB, 'no common size fits: the smallest');
    assert.equal(inferLayout(6 * 5 * MiB + 100, 7, 16 * MiB)?.from, 'inferred');
    assert.equal(inferLayout(3 * MiB, 2, 16 * MiB), undefined, 'no part size of at least 5 MiB fits');
  });

  it('keeps a layout only while its parts fit what the copy would buffer of its own', () => {
    assert.equal(keptPartsInFlight(5 * MiB, 16 * MiB, 4), 4);
    assert.equal(keptPartsInFlight(32 * MiB, 16 * MiB, 4), 1, '80 MiB: one 32 MiB part in flight, one filling');
    assert.equal(keptPartsInFlight(48 * MiB, 16 * MiB, 4), undefined);
  });

});
