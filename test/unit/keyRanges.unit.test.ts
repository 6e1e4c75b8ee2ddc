import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rangesFromBoundaries } from '../../libs/domain/index.js';
import { boundariesFromSamples, evenlyPicked, keyPosition, keysBetween, positionString, probePositions, sharedPrefix, upThrough, type Sample } from '../../libs/selection/keyRanges.js';
import { compareKeys } from '../../libs/selection/index.js';

async function* pages(...list: string[][]): AsyncGenerator<Array<{ key: string }>> {
  for (const page of list) yield page.map((key) => ({ key }));
}

async function keysOf(listing: AsyncGenerator<Array<{ key: string }>>): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of listing) keys.push(...page.map(({ key }) => key));
  return keys;
}

/** The range (rangesFromBoundaries) a key belongs to: the first whose last key is at or after it. */
function rangeOf(boundaries: string[], key: string): number {
  const index = rangesFromBoundaries(boundaries).findIndex((range) => range.through === undefined || compareKeys(key, range.through) <= 0);
  assert.ok(compareKeys(key, rangesFromBoundaries(boundaries)[index]!.start_after) > 0 || index === 0);
  return index;
}

describe('key ranges', () => {
  it('put every key in exactly one range, boundaries that are keys included', () => {
    const boundaries = ['b', 'dir/', 'm'];
    assert.deepEqual(['a', 'b', 'b0', 'dir/', 'dir/x', 'm', 'z'].map((key) => rangeOf(boundaries, key)), [0, 0, 1, 1, 2, 2, 3]);
  });

  it('read key positions in key order and write probe strings back in it', () => {
    const keys = ['', '0', '000001', '000002', '9', 'A', 'a', 'a/b', 'zz', '~~~~~~'];
    const positions = keys.map(keyPosition);
    for (let i = 1; i < positions.length; i++) assert.ok(positions[i - 1]! < positions[i]!, `${keys[i - 1]} before ${keys[i]}`);
    for (const key of ['0', 'a/b', 'obj/0000012']) assert.equal(compareKeys(positionString(keyPosition(key)), key.slice(0, 7)), 0);
    const probes = probePositions(keyPosition('a'), keyPosition('b'), 5).map(positionString);
    for (let i = 1; i < probes.length; i++) assert.ok(compareKeys(probes[i - 1]!, probes[i]!) < 0);
    assert.ok(probes.every((probe) => /^[\x20-\x7e]+$/.test(probe)), 'printable probes');
  });

  it('pick boundaries evenly and only where keys lie between them', () => {
    assert.deepEqual(evenlyPicked(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 4), ['c', 'e', 'g']);
    assert.deepEqual(evenlyPicked(['a'], 4), ['a']);
  });

  it('count the keys between samples where a page reached the next probe, and cut ranges by those counts', () => {
    const sample = (probe: string, keys: string[], truncated: boolean): Sample => ({ probe, position: keyPosition(probe), keys, truncated });
    const samples = [
      sample('a', ['a1', 'a2', 'a3', 'b1'], true), // reaches past b: 3 keys in (a, b]
      sample('b', ['b1', 'b2', 'b3'], true), // ends short of c: a page or more in (b, c]
      sample('c', ['c1', 'd1'], true), // 1 key in (c, d]
      sample('d', ['d1'], false), // the end: 1 key after d
    ];
    assert.equal(keysBetween(samples[0]!, samples[1]!), 3);
    assert.equal(keysBetween(samples[1]!, samples[2]!), undefined);
    assert.equal(keysBetween(samples[2]!, samples[3]!), 1);
    // Weights: 3 before a, then 3, 100 (unknown), 1, 1: the dense stretch (b, c] is a range of its own.
    assert.deepEqual(boundariesFromSamples(samples, 3, 3, 100), ['b', 'c']);
    assert.deepEqual(boundariesFromSamples(samples, 2, 3, 100), ['b']);
    assert.deepEqual(boundariesFromSamples(samples, 8, 3, 100), ['b', 'c', 'd'], 'never more boundaries than samples allow');
    assert.equal(sharedPrefix('logs/2024-01-02/x', 'logs/2024-03-01/y'), 'logs/2024-0');
    assert.equal(sharedPrefix('\u{1F600}a', '\u{1F601}b'), '');
  });

  it('cut a listing after a range\'s last key and close it', async () => {
    let closed = false;
    async function* listing(): AsyncGenerator<Array<{ key: string }>> {
      try {
        yield* pages(['a', 'b'], ['c', 'd'], ['e']);
      } finally {
        closed = true;
      }
    }
    assert.deepEqual(await keysOf(upThrough(listing(), 'c')), ['a', 'b', 'c']);
    assert.ok(closed);
    assert.deepEqual(await keysOf(upThrough(pages(['a', 'b'], ['c']), 'b')), ['a', 'b']);
    assert.deepEqual(await keysOf(upThrough(pages(['a', 'b'], ['c']), undefined)), ['a', 'b', 'c']);
    assert.deepEqual(await keysOf(upThrough(pages(['c']), 'b')), []);
  });
});
