import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { compareKeys, selectFromListings, type ObjectSummary } from '../../libs/selection/index.js';
import { expectedSelection, selectionCase, type CaseObject, type SelectionCase } from '../harness/selectionCases.js';
import { seededRandom } from '../harness/seededRandom.js';

const CASES = 400;
const OBJECTS = 60;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const later = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/**
 * The listings of a case, with the destination's copies in every form the comparison knows:
 * same or other MD5 ETag, other size, and multipart ETags decided by LastModified.
 */
function listingsOf(c: SelectionCase, random: () => number): { source: ObjectSummary[]; destination: ObjectSummary[] } {
  const source: ObjectSummary[] = [];
  const destination: ObjectSummary[] = [];
  const opaque = (o: CaseObject) => `${md5(o.key).slice(0, 32)}-2`;
  for (const o of c.objects) {
    const multipart = random() < 0.3;
    const listed = { key: o.key, size: o.size, etag: multipart ? opaque(o) : md5(o.key), last_modified: o.last_modified };
    source.push(listed);
    if (o.at_destination === 'identical') {
      destination.push(multipart ? { ...listed, etag: `${md5(`other ${o.key}`)}-3`, last_modified: later(o.last_modified, Math.floor(random() * 2)) } : { ...listed });
    } else if (o.at_destination === 'different') {
      // Against a multipart ETag only an older destination is different, whatever its own ETag.
      if (random() < 0.4) destination.push({ ...listed, size: o.size + 1 });
      else if (!multipart) destination.push({ ...listed, etag: md5(`other ${o.key}`) });
      else destination.push({ ...listed, etag: random() < 0.5 ? md5(`other ${o.key}`) : `${md5(`other ${o.key}`)}-3`, last_modified: later(o.last_modified, -1) });
    }
  }
  for (const key of c.destinationOnly) destination.push({ key, size: 1, etag: md5(key), last_modified: '2020-02-01T00:00:00.000Z' });
  return { source, destination: destination.sort((a, b) => compareKeys(a.key, b.key)) };
}

async function* paged<T>(items: T[], random: () => number): AsyncGenerator<T[]> {
  let at = 0;
  while (at < items.length) {
    const size = 1 + Math.floor(random() * 7);
    yield items.slice(at, at + size);
    at += size;
  }
}

describe('selectFromListings, property: over random keys, sizes, dates, tags, destinations and filters', () => {
  it(`selects exactly what the job definition's rules select, and marks exactly the identical objects skip (${CASES} seeded cases)`, async () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const c = selectionCase(seed, OBJECTS);
      const random = seededRandom(seed * 7919);
      const { source, destination } = listingsOf(c, random);
      const tagsByKey = new Map(c.objects.map((o) => [o.key, o.tags]));
      const fetched: string[] = [];
      const fetchTags = async (key: string) => {
        fetched.push(key);
        // Answers come back out of order, as concurrent requests do.
        for (let ticks = Math.floor(random() * 4); ticks > 0; ticks--) await new Promise((resolve) => setImmediate(resolve));
        return { ...tagsByKey.get(key)! };
      };
      const concurrency = 1 + Math.floor(random() * 5);

      const copy: string[] = [];
      const skip: string[] = [];
      const order: string[] = [];
      for await (const page of selectFromListings(paged(source, random), paged(destination, random), c.filter, fetchTags, concurrency)) {
        assert.ok(page.length > 0, `seed ${seed}: no empty pages`);
        for (const { object, action } of page) {
          order.push(object.key);
          (action === 'copy' ? copy : skip).push(object.key);
        }
      }

      const expected = expectedSelection(c);
      const context = `seed ${seed}, filter ${JSON.stringify(c.filter)}`;
      assert.deepEqual(copy, expected.copy, context);
      assert.deepEqual(skip, expected.skip, context);
      assert.deepEqual(order, c.objects.map((o) => o.key).filter((k) => copy.includes(k) || skip.includes(k)), `${context}: listing order kept`);
      const cheapOnly = expectedSelection({ ...c, filter: { ...c.filter, tags: undefined } });
      const passedCheap = [...cheapOnly.copy, ...cheapOnly.skip].sort();
      assert.deepEqual(fetched.sort(), c.filter.tags ? passedCheap : [], `${context}: tags fetched only for objects past the listing's own filters`);
    }
  });
});
