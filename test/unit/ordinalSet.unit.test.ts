import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHUNK_ORDINALS, OrdinalSet } from '../../libs/domain/index.js';
import { seededRandom } from '../harness/seededRandom.js';

/** A seeded shuffle of 0..n-1. */
function shuffled(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('ordinal set', () => {
  it('adds each ordinal once and answers membership on both sides of chunk boundaries', () => {
    const set = new OrdinalSet();
    for (const o of [0, CHUNK_ORDINALS - 1, CHUNK_ORDINALS, 3 * CHUNK_ORDINALS + 5]) assert.equal(set.add(o), true);
    assert.equal(set.add(CHUNK_ORDINALS), false);
    assert.equal(set.size, 4);
    assert.equal(set.has(CHUNK_ORDINALS - 1), true);
    assert.equal(set.has(CHUNK_ORDINALS + 1), false);
    assert.equal(set.has(3 * CHUNK_ORDINALS + 5), true);
    assert.equal(set.has(3 * CHUNK_ORDINALS + 4), false);
  });

  it('holds no bitmap for chunks that are complete, whatever order they completed in', () => {
    const set = new OrdinalSet();
    const n = 3 * CHUNK_ORDINALS;
    for (const o of shuffled(n, 7)) set.add(o);
    assert.equal(set.size, n);
    assert.equal(set.bitmapBytes, 0);
    assert.equal(set.add(n - 1), false);
    assert.deepEqual(set.toData(), { floor: n, full: [], partial: {} });
  });

  it('keeps full chunks above a gap apart, and folds them into the floor once the gap fills', () => {
    const set = new OrdinalSet();
    for (let o = 1; o < 3 * CHUNK_ORDINALS; o++) set.add(o);
    assert.deepEqual(set.toData().full, [1, 2]);
    assert.equal(set.toData().floor, 0);
    assert.equal(set.bitmapBytes, CHUNK_ORDINALS / 8, 'only the chunk with the straggler holds a bitmap');
    assert.equal(set.has(0), false);
    set.add(0);
    assert.deepEqual(set.toData(), { floor: 3 * CHUNK_ORDINALS, full: [], partial: {} });
    assert.equal(set.size, 3 * CHUNK_ORDINALS);
  });

  it('survives a round trip through its serialized form', () => {
    const set = new OrdinalSet();
    const ordinals = shuffled(2 * CHUNK_ORDINALS + 1000, 3).slice(0, CHUNK_ORDINALS + 500);
    for (const o of ordinals) set.add(o);
    const copy = OrdinalSet.fromData(JSON.parse(JSON.stringify(set.toData())));
    assert.equal(copy.size, set.size);
    for (let o = 0; o < 2 * CHUNK_ORDINALS + 1000; o++) assert.equal(copy.has(o), set.has(o), `ordinal ${o}`);
  });
});
