import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { checksumOf, checksumText, compositeOf, newHasher, reportedChecksum, type ChecksumAlgorithm } from '../../libs/s3/checksums.js';
import { checksumPlan } from '../../libs/s3/checksumPlan.js';

const CHECK = Buffer.from('123456789');
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('additional checksums', () => {
  it("gives each algorithm's catalogued check value for '123456789', big-endian in base64 as S3's headers carry it", async () => {
    const expected: Record<ChecksumAlgorithm, string> = {
      crc32: b64('cbf43926'),
      crc32c: b64('e3069283'),
      crc64nvme: b64('ae8b14860a799888'),
      sha1: createHash('sha1').update(CHECK).digest('base64'),
      sha256: createHash('sha256').update(CHECK).digest('base64'),
    };
    for (const [algorithm, value] of Object.entries(expected) as Array<[ChecksumAlgorithm, string]>) {
      assert.equal(await checksumOf(algorithm, CHECK), value, algorithm);
    }
  });

  it('hashes a body fed in pieces as the same body whole', async () => {
    const body = Buffer.from(Array.from({ length: 200_003 }, (_, i) => (i * 31) % 251));
    for (const algorithm of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const) {
      const h = newHasher(algorithm);
      for (let at = 0; at < body.length; at += 65_536) h.update(body.subarray(at, at + 65_536));
      assert.equal(await h.digest(), await checksumOf(algorithm, body), algorithm);
    }
  });

  it("makes S3's composite: the checksum of the part checksums' bytes, then -N", async () => {
    const parts = [Buffer.from('first part'), Buffer.from('second')];
    const sums = await Promise.all(parts.map((p) => checksumOf('crc32c', p)));
    const expected = await checksumOf('crc32c', Buffer.concat(sums.map((s) => Buffer.from(s, 'base64'))));
    assert.equal(await compositeOf('crc32c', sums), `${expected}-2`);
  });

  it('reads what a GET with x-amz-checksum-mode: ENABLED reports: full-object, composite value-N, or nothing', () => {
    assert.deepEqual(reportedChecksum({ 'x-amz-checksum-crc64nvme': 'rosUhgp5mIg=', 'x-amz-checksum-type': 'FULL_OBJECT' }), {
      algorithm: 'crc64nvme',
      value: 'rosUhgp5mIg=',
      type: 'FULL_OBJECT',
    });
    const composite = reportedChecksum({ 'x-amz-checksum-sha256': 'abc=-12', 'x-amz-checksum-type': 'COMPOSITE' });
    assert.deepEqual(composite, { algorithm: 'sha256', value: 'abc=', type: 'COMPOSITE', parts: 12 });
    assert.equal(checksumText(composite), 'abc=-12');
    assert.equal(reportedChecksum({ etag: '"x"' }), undefined);
  });

  it("plans the source's checksum where the copy can reproduce it, else computes its algorithm or the job's", () => {
    const full = { algorithm: 'crc32' as const, value: 'AAAAAA==', type: 'FULL_OBJECT' as const };
    const composite = { algorithm: 'sha1' as const, value: 'x', type: 'COMPOSITE' as const, parts: 3 };
    assert.deepEqual(checksumPlan(full, 'sha256', false), { algorithm: 'crc32', source: full });
    assert.deepEqual(checksumPlan(composite, undefined, true), { algorithm: 'sha1', source: composite });
    assert.deepEqual(checksumPlan(composite, 'crc32c', false), { algorithm: 'sha1' });
    assert.deepEqual(checksumPlan(undefined, 'crc32c', false), { algorithm: 'crc32c' });
    assert.equal(checksumPlan(undefined, undefined, true), undefined);
  });
});
