import type { ChecksumAlgorithm } from './checksums.js';

/**
 * The CRC of two pieces put end to end from the CRCs of each and the second's length, as zlib's
 * crc32_combine does: the first piece's CRC is carried through `length` zero bytes (a multiplication
 * by x^(8·length) modulo the polynomial) and XORed with the second's. It holds for CRC32, CRC32C and
 * CRC64NVME alike (reflected, initial and final value all ones), so a multipart upload's full-object
 * CRC follows from its parts' CRCs without reading their bytes again.
 */
interface CrcSpec {
  width: bigint;
  /** The reflected polynomial. */
  poly: bigint;
}

const SPECS: Partial<Record<ChecksumAlgorithm, CrcSpec>> = {
  crc32: { width: 32n, poly: 0xedb88320n },
  crc32c: { width: 32n, poly: 0x82f63b78n },
  crc64nvme: { width: 64n, poly: 0x9a6c9329ac4bc9b5n },
};

/** a·b modulo the polynomial, both in the reflected order (the top bit is x^0). */
function multiply(spec: CrcSpec, a: bigint, b: bigint): bigint {
  let m = 1n << (spec.width - 1n);
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ spec.poly : b >> 1n;
  }
  return p;
}

const powers = new Map<CrcSpec, bigint[]>();

/** x^(2^k) modulo the polynomial, for k = 0..63. */
function powersOf(spec: CrcSpec): bigint[] {
  let table = powers.get(spec);
  if (!table) {
    table = [];
    let p = 1n << (spec.width - 2n);
    for (let k = 0; k < 64; k++) {
      table.push(p);
      p = multiply(spec, p, p);
    }
    powers.set(spec, table);
  }
  return table;
}

/** x^(8·bytes) modulo the polynomial. */
function shiftFor(spec: CrcSpec, bytes: number): bigint {
  const table = powersOf(spec);
  let p = 1n << (spec.width - 1n);
  let n = BigInt(bytes);
  for (let k = 3; n > 0n; k++, n >>= 1n) if (n & 1n) p = multiply(spec, table[k]!, p);
  return p;
}

const toBig = (b64: string): bigint => BigInt(`0x${Buffer.from(b64, 'base64').toString('hex') || '0'}`);
const toBase64 = (spec: CrcSpec, v: bigint): string => Buffer.from(v.toString(16).padStart(Number(spec.width / 4n), '0'), 'hex').toString('base64');

/** Whether full-object values of this algorithm can be combined from parts' (the CRCs; not the SHAs). */
export const combinable = (a: ChecksumAlgorithm): boolean => SPECS[a] !== undefined;

/**
 * The whole object's checksum (base64, as S3's headers carry it) from its parts' in order, each with its
 * length in bytes. Throws for an algorithm that cannot be combined.
 */
export function combineCrcs(a: ChecksumAlgorithm, parts: ReadonlyArray<{ checksum: string; length: number }>): string {
  const spec = SPECS[a];
  if (!spec) throw new TypeError(`${a} values cannot be combined`);
  const [head, ...rest] = parts;
  if (!head) throw new TypeError('no parts to combine');
  let crc = toBig(head.checksum);
  for (const part of rest) crc = multiply(spec, shiftFor(spec, part.length), crc) ^ toBig(part.checksum);
  return toBase64(spec, crc);
}
