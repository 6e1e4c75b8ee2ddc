import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { checksumOf } from '../../libs/s3/checksums.js';
import { combinable, combineCrcs } from '../../libs/s3/crcCombine.js';

describe('CRC combine (a full-object CRC from its parts)', () => {
  it('equals the CRC of the whole bytes computed directly, for CRC32, CRC32C and CRC64NVME and uneven parts', async () => {
    const whole = randomBytes(3 * 65536 + 4321);
    const cuts = [[whole.length], [1, whole.length - 1], [65536, 65536, 65536, 4321], [7, 0, 100000, whole.length - 100007]];
    for (const algorithm of ['crc32', 'crc32c', 'crc64nvme'] as const) {
      for (const sizes of cuts) {
        const parts = [];
        let at = 0;
        for (const length of sizes) {
          parts.push({ checksum: await checksumOf(algorithm, whole.subarray(at, at + length)), length });
          at += length;
        }
        assert.equal(combineCrcs(algorithm, parts), await checksumOf(algorithm, whole), `${algorithm} in parts of ${sizes.join(',')}`);
      }
    }
  });

  it('gives a different value when a part is not the one the whole was made of', async () => {
    const a = randomBytes(1000);
    const b = randomBytes(2000);
    const wrong = await checksumOf('crc32c', randomBytes(2000));
    const combined = combineCrcs('crc32c', [{ checksum: await checksumOf('crc32c', a), length: 1000 }, { checksum: wrong, length: 2000 }]);
    assert.notEqual(combined, await checksumOf('crc32c', Buffer.concat([a, b])));
  });

  it('combines only the CRCs', () => {
    assert.deepEqual((['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const).map(combinable), [true, true, true, false, false]);
    assert.throws(() => combineCrcs('sha256', [{ checksum: 'AAAA', length: 3 }]), TypeError);
  });
});
