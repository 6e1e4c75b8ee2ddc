import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys, compareObjects, compareWithDestination, joinListings, type ObjectSummary } from '../../libs/selection/index.js';

const MD5_A = '0cc175b9c0f1b6a831c399e269772661';
const MD5_B = '92eb5ffee6ae2fec3ad71c777531578f';
const T0 = '2024-01-01T00:00:00.000Z';

const obj = (key: string, over: Partial<ObjectSummary> = {}): ObjectSummary => ({
  key,
  size: 10,
  etag: MD5_A,
  last_modified: T0,
  ...over,
});

async function* pages<T>(all: T[][], onPull?: () => void): AsyncGenerator<T[]> {
  for (const page of all) {
    onPull?.();
    yield page;
  }
}

async function walk(source: ObjectSummary[][], destination: ObjectSummary[][]) {
  const out: Array<[string, string]> = [];
  for await (const page of compareWithDestination(pages(source), pages(destination))) {
    for (const { object, comparison } of page) out.push([object.key, comparison]);
  }
  return out;
}

describe('compareKeys (UTF-8 byte order)', () => {
  it('orders a supplementary character after U+FF61 although its UTF-16 code unit is lower', () => {
    const halfwidth = '\uFF61';
    const emoji = '\u{1F600}';
    assert.ok(emoji < halfwidth, 'precondition: JS string order disagrees');
    assert.ok(Buffer.compare(Buffer.from(halfwidth), Buffer.from(emoji)) < 0);
    assert.ok(compareKeys(halfwidth, emoji) < 0);
    assert.ok(compareKeys(emoji, halfwidth) > 0);
  });

  it('agrees with Buffer.compare on a mixed sample', () => {
    const sample = ['', 'a', 'a/', 'a/b', 'ab', 'Z', '\u00e9', '\u0800', '\uD7FF', '\uE000', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{1F600}a', '\u{1F601}', 'a\u{1F600}', 'a\uFF61'];
    for (const a of sample) {
      for (const b of sample) {
        const expected = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        assert.equal(Math.sign(compareKeys(a, b)), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    }
  });
});

describe('compareObjects', () => {
  it('same size and ETag is identical, whatever the dates', () => {
    assert.equal(compareObjects(obj('k'), obj('k', { last_modified: '2000-01-01T00:00:00Z' })), 'identical');
  });

  it('ignores quotes and case in ETags', () => {
    assert.equal(compareObjects(obj('k', { etag: `"${MD5_A.toUpperCase()}"` }), obj('k')), 'identical');
  });

  it('two plain MD5s that differ are different, even if the destination is newer', () => {
    assert.equal(compareObjects(obj('k'), obj('k', { etag: MD5_B, last_modified: '2030-01-01T00:00:00Z' })), 'different');
  });

  it('a size difference is different even with equal ETags', () => {
    assert.equal(compareObjects(obj('k'), obj('k', { size: 11 })), 'different');
  });

  it('multipart ETags fall back to size and a destination at least as new', () => {
    const source = obj('k', { etag: `${MD5_A}-3`, last_modified: '2024-01-01T00:00:00.000Z' });
    assert.equal(compareObjects(source, obj('k', { etag: MD5_B, last_modified: '2024-01-01T00:00:00.000Z' })), 'identical');
    assert.equal(compareObjects(source, obj('k', { etag: MD5_B, last_modified: '2023-12-31T23:59:59.999Z' })), 'different');
    assert.equal(compareObjects(source, obj('k', { etag: MD5_B, size: 9, last_modified: '2030-01-01T00:00:00Z' })), 'different');
    // Destination multipart, source plain: same rule.
    assert.equal(compareObjects(obj('k'), obj('k', { etag: `${MD5_B}-2`, last_modified: '2024-01-01T00:00:00.001Z' })), 'identical');
  });

  it('identical multipart ETags with the same size are identical', () => {
    const etag = `${MD5_A}-12`;
    assert.equal(compareObjects(obj('k', { etag, last_modified: '2030-01-01T00:00:00Z' }), obj('k', { etag })), 'identical');
  });

  it('ETags of a different form fall back to dates', () => {
    const opaque = obj('k', { etag: 'opaque-etag-from-another-server', last_modified: '2024-02-01T00:00:00Z' });
    assert.equal(compareObjects(obj('k'), opaque), 'identical');
    assert.equal(compareObjects(obj('k', { last_modified: '2024-03-01T00:00:00Z' }), opaque), 'different');
  });

  it('an unparseable date never counts as newer', () => {
    assert.equal(compareObjects(obj('k', { etag: `${MD5_A}-2` }), obj('k', { etag: MD5_B, last_modified: '' })), 'different');
  });
});

describe('compareWithDestination', () => {
  it('walks interleaved keys with extras and gaps on either side, across uneven pages', async () => {
    const source = [[obj('a'), obj('c')], [obj('d', { etag: MD5_B }), obj('f')], [], [obj('h'), obj('z')]];
    const destination = [[obj('0')], [obj('b'), obj('c'), obj('d')], [obj('e'), obj('g'), obj('h', { size: 99 })], [obj('y')]];
    assert.deepEqual(await walk(source, destination), [
      ['a', 'absent'],
      ['c', 'identical'],
      ['d', 'different'],
      ['f', 'absent'],
      ['h', 'different'],
      ['z', 'absent'],
    ]);
  });

  it('keeps the source page boundaries and passes the source objects through', async () => {
    const first = { ...obj('a'), extra: 1 };
    const out = [];
    for await (const page of compareWithDestination(pages([[first], [{ ...obj('b'), extra: 2 }]]), pages([]))) out.push(page);
    assert.equal(out.length, 2);
    assert.equal(out[0]![0]!.object, first);
    assert.equal(out[1]![0]!.object.extra, 2);
  });

  it('with an empty destination everything is absent; with an empty source nothing is yielded', async () => {
    assert.deepEqual(await walk([[obj('a'), obj('b')]], []), [['a', 'absent'], ['b', 'absent']]);
    assert.deepEqual(await walk([], [[obj('a')]]), []);
  });

  it('matches keys whose UTF-16 order differs from their UTF-8 order', async () => {
    // S3 order: U+FF61 before U+1F600.
    const source = [[obj('x\uFF61'), obj('x\u{1F600}')]];
    const destination = [[obj('x\uFF61'), obj('x\u{1F600}')]];
    assert.deepEqual(await walk(source, destination), [
      ['x\uFF61', 'identical'],
      ['x\u{1F600}', 'identical'],
    ]);
    // Only the emoji exists at the destination: the walk must not step past it.
    assert.deepEqual(await walk(source, [[obj('x\u{1F600}')]]), [
      ['x\uFF61', 'absent'],
      ['x\u{1F600}', 'identical'],
    ]);
  });

  it('refuses a listing out of UTF-8 order instead of reporting wrong results', async () => {
    // JS sort order, which S3 never produces.
    await assert.rejects(walk([[obj('\u{1F600}'), obj('\uFF61')]], []), { code: 'FAILED_PRECONDITION' });
    await assert.rejects(walk([[obj('z')]], [[obj('b'), obj('a')]]), /destination listing/);
  });

  it('reads the destination only as far as the source needs', async () => {
    let destinationPages = 0;
    const destination = pages([[obj('a')], [obj('b')], [obj('m')], [obj('n')], [obj('o')]], () => destinationPages++);
    const out = [];
    for await (const page of compareWithDestination(pages([[obj('a'), obj('b')]]), destination)) out.push(...page);
    assert.equal(out.length, 2);
    assert.ok(destinationPages <= 3, `read ${destinationPages} destination pages`);
  });

  it('closes the destination listing when the consumer stops early', async () => {
    let closed = false;
    async function* destination() {
      try {
        yield [obj('a')];
        yield [obj('b')];
      } finally {
        closed = true;
      }
    }
    for await (const _ of compareWithDestination(pages([[obj('a')], [obj('b')]]), destination())) break;
    assert.equal(closed, true);
  });
});

describe('joinListings', () => {
  async function join(source: ObjectSummary[][], destination: ObjectSummary[][], destinationOnly?: boolean) {
    const out: string[] = [];
    for await (const page of joinListings(pages(source), pages(destination), { destinationOnly })) {
      for (const joined of page) out.push(`${joined.key}:${joined.source ? 'S' : ''}${joined.destination ? 'D' : ''}`);
    }
    return out;
  }

  it('yields every key of either side once, in UTF-8 order, across pages', async () => {
    const source = [[obj('b'), obj('d')], [obj('f')]];
    const destination = [[obj('a'), obj('b')], [obj('c'), obj('f'), obj('g')], [obj('h')]];
    assert.deepEqual(await join(source, destination), ['a:D', 'b:SD', 'c:D', 'd:S', 'f:SD', 'g:D', 'h:D']);
  });

  it('yields the destination alone when the source is empty', async () => {
    assert.deepEqual(await join([], [[obj('a')], [obj('b')]]), ['a:D', 'b:D']);
  });

  it('leaves destination-only keys out, and the destination unread past the source, when asked', async () => {
    let destinationPages = 0;
    const out: string[] = [];
    const destination = pages([[obj('a'), obj('b')], [obj('c')], [obj('z')]], () => destinationPages++);
    for await (const page of joinListings(pages([[obj('b')]]), destination, { destinationOnly: false })) {
      for (const joined of page) out.push(joined.key);
    }
    assert.deepEqual(out, ['b']);
    assert.equal(destinationPages, 1);
  });

  it('refuses a destination listing out of order', async () => {
    await assert.rejects(join([[obj('z')]], [[obj('b'), obj('a')]]), /destination listing is not in ascending/);
  });
});
