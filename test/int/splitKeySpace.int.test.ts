import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { rangesFromBoundaries } from '../../libs/domain/index.js';
import { closeSdkClients, listCommonPrefixes, listObjects, sdkClient } from '../../libs/s3/index.js';
import { compareKeys, splitKeySpace } from '../../libs/selection/index.js';
import { upThrough } from '../../libs/selection/keyRanges.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { startSyntheticS3, type SyntheticS3 } from '../bench/syntheticS3.js';

const pad = (i: number, width = 5) => String(i).padStart(width, '0');
const flatKeys = [...Array.from({ length: 2400 }, (_, i) => `obj-${pad(i)}`), 'obj-zzz', 'obj-\u00e9t\u00e9'].sort(compareKeys);
const dirKeys = Array.from({ length: 24 * 60 }, (_, i) => `d${pad(Math.floor(i / 60), 2)}/${pad(i % 60)}`);

describe('splitKeySpace against s3rver', () => {
  let s3: S3Fixture;

  before(async () => {
    s3 = await startS3Fixture(['flat', 'dirs', 'small']);
    const client = sdkClient(s3.endpoint);
    const put = async (Bucket: string, keys: string[]) => {
      for (let i = 0; i < keys.length; i += 64) await Promise.all(keys.slice(i, i + 64).map((Key) => client.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }))));
    };
    await put('flat', flatKeys);
    await put('dirs', dirKeys);
    await put('small', flatKeys.slice(0, 900));
  });
  after(async () => {
    closeSdkClients();
    await s3?.stop();
  });

  /** Every range listed on its own, as a lister lists it: the ranges' keys in order. */
  async function listedByRange(bucket: string, boundaries: string[], prefix?: string): Promise<string[][]> {
    const ranges: string[][] = [];
    for (const range of rangesFromBoundaries(boundaries)) {
      const keys: string[] = [];
      for await (const page of upThrough(listObjects(s3.endpoint, bucket, { prefix, startAfter: range.start_after || undefined }), range.through)) keys.push(...page.map(({ key }) => key));
      ranges.push(keys);
    }
    return ranges;
  }

  it('cuts a flat key space by sampled keys into ranges that hold every key once', async () => {
    const boundaries = await splitKeySpace(s3.endpoint, 'flat', { ranges: 8 });
    assert.ok(boundaries.length >= 3 && boundaries.length <= 7, `boundaries ${JSON.stringify(boundaries)}`);
    const ranges = await listedByRange('flat', boundaries);
    assert.deepEqual(ranges.flat(), flatKeys);
    assert.ok(ranges.every((keys) => keys.length > 0), `range sizes ${ranges.map((r) => r.length).join()}`);
    // About even: no range holds more than twice its share.
    assert.ok(Math.max(...ranges.map((r) => r.length)) <= (2 * flatKeys.length) / ranges.length, `range sizes ${ranges.map((r) => r.length).join()}`);
  });

  it('cuts by common prefixes when there are enough of them', async () => {
    const boundaries = await splitKeySpace(s3.endpoint, 'dirs', { ranges: 8 });
    assert.deepEqual(boundaries, ['d03/', 'd06/', 'd09/', 'd12/', 'd15/', 'd18/', 'd21/']);
    const ranges = await listedByRange('dirs', boundaries);
    assert.deepEqual(ranges.flat(), dirKeys);
    assert.deepEqual(ranges.map((r) => r.length), [180, 180, 180, 180, 180, 180, 180, 180]);
  });

  it('keeps to the job\'s prefix', async () => {
    const prefix = 'obj-0';
    const boundaries = await splitKeySpace(s3.endpoint, 'flat', { ranges: 4, prefix });
    assert.ok(boundaries.length > 0 && boundaries.every((b) => b.startsWith(prefix)), JSON.stringify(boundaries));
    const ranges = await listedByRange('flat', boundaries, prefix);
    assert.deepEqual(ranges.flat(), flatKeys.filter((key) => key.startsWith(prefix)));
  });

  it('leaves a key space of one page whole, and splits nothing into one range', async () => {
    assert.deepEqual(await splitKeySpace(s3.endpoint, 'small', { ranges: 8 }), []);
    assert.deepEqual(await splitKeySpace(s3.endpoint, 'flat', { ranges: 1 }), []);
  });

  it('leaves whole a key space of no more than minPages pages, and cuts a larger one', async () => {
    // 'flat' lists in three pages of 1,000.
    assert.deepEqual(await splitKeySpace(s3.endpoint, 'flat', { ranges: 8, minPages: 3 }), []);
    const boundaries = await splitKeySpace(s3.endpoint, 'flat', { ranges: 8, minPages: 2 });
    assert.ok(boundaries.length >= 3 && boundaries.length <= 7, `boundaries ${JSON.stringify(boundaries)}`);
    const ranges = await listedByRange('flat', boundaries);
    assert.deepEqual(ranges.flat(), flatKeys);
    // About even: no range holds more than twice its share.
    assert.ok(Math.max(...ranges.map((r) => r.length)) <= (2 * flatKeys.length) / ranges.length, `range sizes ${ranges.map((r) => r.length).join()}`);
  });
});

describe('the synthetic endpoint lists common prefixes as S3 does', () => {
  let synthetic: SyntheticS3;
  const keys = [...dirKeys.slice(0, 120), 'loose-key', ...dirKeys.slice(120)].sort(compareKeys);

  before(async () => {
    synthetic = await startSyntheticS3({ buckets: { dirs: { count: keys.length, size: 1, keys } }, recordAccepted: false });
  });
  after(async () => {
    closeSdkClients();
    await synthetic?.stop();
  });

  it('pages through prefixes and keys, each prefix once', async () => {
    const endpoint = { endpoint: synthetic.endpoint, region: 'us-east-1', accessKey: 'any', secretKey: 'any' };
    const { prefixes, complete } = await listCommonPrefixes(endpoint, 'dirs', { delimiter: '/', maxPages: 100, pageSize: 5 });
    assert.ok(complete);
    assert.deepEqual(prefixes, Array.from({ length: 24 }, (_, i) => `d${pad(i, 2)}/`));
    assert.deepEqual(await splitKeySpace(endpoint, 'dirs', { ranges: 4 }), ['d06/', 'd12/', 'd18/']);
  });
});

describe('splitKeySpace over keys that differ only deep into their names', () => {
  const COUNT = 100_000;
  const RANGES = 16;
  let synthetic: SyntheticS3;

  before(async () => {
    // obj/0000000000 … obj/0000099999: every key shares "obj/00000"; read from the empty prefix they differ past a double's precision.
    synthetic = await startSyntheticS3({ buckets: { numbered: { count: COUNT, size: 1 } }, recordAccepted: false });
  });
  after(async () => {
    closeSdkClients();
    await synthetic?.stop();
  });

  // minPages 16 is the lister's default: it reads 16 pages before it samples.
  for (const minPages of [1, 16]) it(`cuts them into ranges of about even size (minPages ${minPages})`, async () => {
    const endpoint = endpointAt(synthetic.endpoint, { accessKey: 'any', secretKey: 'any' });
    const boundaries = await splitKeySpace(endpoint, 'numbered', { ranges: RANGES, minPages });
    assert.ok(boundaries.length >= RANGES / 2, `boundaries ${JSON.stringify(boundaries)}`);
    // Keys up to and including each boundary, counted from the keys' own order.
    const upTo = (boundary: string) => {
      let low = 0;
      let high = COUNT;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (compareKeys(`obj/${pad(mid, 10)}`, boundary) <= 0) low = mid + 1;
        else high = mid;
      }
      return low;
    };
    const ends = [...boundaries.map(upTo), COUNT];
    const sizes = ends.map((end, i) => end - (i === 0 ? 0 : ends[i - 1]!));
    // Before the fix one range held 99% of the keys; now none holds more than three times an even share.
    assert.ok(Math.max(...sizes) <= (3 * COUNT) / ends.length, `range sizes ${sizes.join()}`);
  });
});
