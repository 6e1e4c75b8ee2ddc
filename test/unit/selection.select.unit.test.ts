import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectFromListings } from '../../libs/selection/index.js';

const T = '2024-01-15T00:00:00.000Z';
const listing = [
  [
    { key: 'important/a', size: 2048, last_modified: T, etag: '' },
    { key: 'important/b', size: 10, last_modified: T, etag: '' },
    { key: 'other/c', size: 2048, last_modified: T, etag: '' },
  ],
  [{ key: 'other/d', size: 2048, last_modified: T, etag: '' }],
  [
    { key: 'important/e', size: 4096, last_modified: T, etag: '' },
    { key: 'important/f', size: 4096, last_modified: T, etag: '' },
  ],
];

async function* pages() {
  yield* listing;
}

async function* nothing() {}

async function run(filter: Parameters<typeof selectFromListings>[2], tags: Record<string, Record<string, string>> = {}) {
  const fetched: string[] = [];
  const out: string[][] = [];
  const fetchTags = async (key: string) => {
    fetched.push(key);
    return tags[key] ?? {};
  };
  for await (const page of selectFromListings(pages(), nothing(), filter, fetchTags, 2)) out.push(page.map((o) => o.object.key));
  return { out, fetched };
}

describe('selectFromListings', () => {
  it('fetches tags only for objects that passed the cheap filters', async () => {
    const { out, fetched } = await run(
      { prefix: 'important/', min_size: 1024, tags: { critical: 'true' } },
      { 'important/a': { critical: 'true' }, 'important/f': { critical: 'true', extra: 'x' }, 'important/e': { critical: 'false' } },
    );
    assert.deepEqual(fetched.sort(), ['important/a', 'important/e', 'important/f']);
    assert.deepEqual(out, [['important/a'], ['important/f']]);
  });

  it('fetches no tags when the filter names none, and drops emptied pages', async () => {
    const { out, fetched } = await run({ prefix: 'important/', min_size: 1024 });
    assert.deepEqual(fetched, []);
    assert.deepEqual(out, [['important/a'], ['important/e', 'important/f']]);
  });
});
