import { createHash } from 'node:crypto';
import { compareKeys } from '../../../libs/selection/keyOrder.js';
import { checksumOfPieces, compositeOf, type Algorithm, type ChecksumType, type StoredChecksum } from './checksums.js';

/** Every generated object claims this modification time, unless its spec says otherwise. */
export const GENERATED_LAST_MODIFIED = '2024-01-01T00:00:00.000Z';

/** Bytes in one repetition of a body; a body is its variant's chunk repeated and cut to size. */
const CHUNK = 64 * 1024;
const VARIANTS = 256;
const MAX_CACHED_ETAGS = 4096;

/** Pseudo-random bytes from a fixed seed, so every run serves the same bodies. */
const BASE = (() => {
  const bytes = Buffer.allocUnsafe(CHUNK + VARIANTS);
  let state = 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
})();

export interface GeneratedBucketSpec {
  count: number;
  size: number | ((i: number) => number);
  prefix?: string;
  /** Object i's tags; by default every object carries `parity` (even/odd), for tag filters to select on. */
  tags?: (i: number) => Record<string, string> | undefined;
  /** Explicit keys in S3 order (ascending UTF-8), `count` of them, instead of prefix + index. */
  keys?: readonly string[];
  /** Object i's LastModified (ISO 8601); GENERATED_LAST_MODIFIED by default. */
  lastModified?: (i: number) => string;
  /**
   * Object i as if uploaded in parts: their sizes (the body is unchanged). Its ETag is then S3's
   * `md5-of-part-md5s-N`, and `?partNumber=n` reads part n. Undefined: a single PUT.
   */
  parts?: (i: number) => readonly number[] | undefined;
  /**
   * Object i as if uploaded with an additional checksum, answered to GET and HEAD with
   * `x-amz-checksum-mode: ENABLED`: COMPOSITE (`value-N`) needs `parts`. Undefined: none.
   */
  checksum?: (i: number) => { algorithm: Algorithm; type: ChecksumType } | undefined;
}

const parityTag = (i: number) => ({ parity: i % 2 === 0 ? 'even' : 'odd' });

/**
 * A bucket whose objects exist only as arithmetic: object i has key prefix + i in ten
 * digits (so key order is index order), a size from the spec, and a body that is the
 * chunk of variant i % 256 repeated. Nothing is stored per object.
 */
export class GeneratedBucket {
  readonly prefix: string;
  private readonly etags = new Map<string, string>();
  private readonly indexes: Map<string, number> | undefined;

  constructor(private readonly spec: GeneratedBucketSpec) {
    this.prefix = spec.prefix ?? 'obj/';
    if (!Number.isSafeInteger(spec.count) || spec.count < 0 || spec.count > 9_999_999_999) {
      throw new RangeError(`count must be an integer between 0 and 9999999999, got ${spec.count}`);
    }
    if (spec.keys !== undefined) {
      if (spec.keys.length !== spec.count) throw new RangeError(`count is ${spec.count} but ${spec.keys.length} keys were given`);
      spec.keys.forEach((key, i) => {
        if (i > 0 && compareKeys(spec.keys![i - 1]!, key) >= 0) throw new RangeError(`keys must ascend in S3 order: ${JSON.stringify(key)}`);
      });
      this.indexes = new Map(spec.keys.map((key, i) => [key, i]));
    }
  }

  get count(): number {
    return this.spec.count;
  }

  keyOf(i: number): string {
    if (this.spec.keys !== undefined) return this.spec.keys[i]!;
    return this.prefix + String(i).padStart(10, '0');
  }

  indexOf(key: string): number | undefined {
    if (this.indexes !== undefined) return this.indexes.get(key);
    if (!key.startsWith(this.prefix)) return undefined;
    const digits = key.slice(this.prefix.length);
    if (!/^\d{10}$/.test(digits)) return undefined;
    const i = Number(digits);
    return i < this.spec.count ? i : undefined;
  }

  tagsOf(i: number): Record<string, string> {
    return (this.spec.tags ?? parityTag)(i) ?? {};
  }

  lastModifiedOf(i: number): string {
    return this.spec.lastModified?.(i) ?? GENERATED_LAST_MODIFIED;
  }

  sizeOf(i: number): number {
    return typeof this.spec.size === 'number' ? this.spec.size : this.spec.size(i);
  }

  /** Part sizes of object i when it was "uploaded" in parts. */
  partsOf(i: number): readonly number[] | undefined {
    return this.spec.parts?.(i);
  }

  /** MD5 of the body (or S3's multipart ETag of its parts), hashed once per distinct (variant, size, parts). */
  etagOf(i: number): string {
    const size = this.sizeOf(i);
    const parts = this.partsOf(i);
    const id = `${i % VARIANTS}:${size}:${parts?.join(',') ?? ''}`;
    let etag = this.etags.get(id);
    if (etag === undefined) {
      const md5 = (start: number, end: number) => {
        const hash = createHash('md5');
        for (const piece of this.body(i, start, end)) hash.update(piece);
        return hash.digest();
      };
      if (parts === undefined) etag = md5(0, size).toString('hex');
      else {
        const combined = createHash('md5');
        let at = 0;
        for (const part of parts) combined.update(md5(at, (at += part)));
        etag = `${combined.digest('hex')}-${parts.length}`;
      }
      if (this.etags.size >= MAX_CACHED_ETAGS) this.etags.clear();
      this.etags.set(id, etag);
    }
    return etag;
  }

  /** Object i's additional checksum, computed over its body (or parts) on each call; undefined without one. */
  async checksumOf(i: number): Promise<StoredChecksum | undefined> {
    const spec = this.spec.checksum?.(i);
    if (spec === undefined) return undefined;
    const parts = this.partsOf(i);
    if (spec.type === 'FULL_OBJECT' || parts === undefined) {
      return { ...spec, type: 'FULL_OBJECT', value: await checksumOfPieces(spec.algorithm, this.body(i, 0, this.sizeOf(i))) };
    }
    const values: string[] = [];
    let at = 0;
    for (const part of parts) values.push(await checksumOfPieces(spec.algorithm, this.body(i, at, (at += part))));
    return { ...spec, value: await compositeOf(spec.algorithm, values) };
  }

  /** Bytes [start, end) of object i's body, as views of one shared buffer. */
  *body(i: number, start: number, end: number): Generator<Buffer> {
    const chunk = BASE.subarray(i % VARIANTS, (i % VARIANTS) + CHUNK);
    let at = start;
    while (at < end) {
      const offset = at % CHUNK;
      const piece = chunk.subarray(offset, Math.min(CHUNK, offset + (end - at)));
      yield piece;
      at += piece.length;
    }
  }

  /** First index whose key sorts after `key`. */
  firstAfter(key: string): number {
    return this.search((k) => compareKeys(k, key) > 0);
  }

  /** First index whose key is at or after `key`. */
  firstAtOrAfter(key: string): number {
    return this.search((k) => compareKeys(k, key) >= 0);
  }

  private search(isAtOrPast: (key: string) => boolean): number {
    let low = 0;
    let high = this.spec.count;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (isAtOrPast(this.keyOf(mid))) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}
