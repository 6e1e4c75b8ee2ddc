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

describe('an object identical at the destination, and the run that may have written it', () => {
  const MD5 = '0cc175b9c0f1b6a831c399e269772661';
  const RUN_STARTED = '2024-03-01T10:00:00.700Z';
  const source = [[
    { key: 'a-before', size: 1, etag: MD5, last_modified: T },
    { key: 'b-same-second', size: 1, etag: MD5, last_modified: T },
    { key: 'c-after', size: 1, etag: MD5, last_modified: T },
  ]];
  // S3 dates are whole seconds: an earlier run's copy written at 10:00:00.300 reads 10:00:00.
  const destination = [[
    { key: 'a-before', size: 1, etag: MD5, last_modified: '2024-03-01T09:59:59.000Z' },
    { key: 'b-same-second', size: 1, etag: MD5, last_modified: '2024-03-01T10:00:00.000Z' },
    { key: 'c-after', size: 1, etag: MD5, last_modified: '2024-03-01T10:05:00.000Z' },
  ]];
  const actions = async (runStartedAt?: string) => {
    const out: string[] = [];
    const from = async function* <P>(all: P[]) { yield* all; };
    for await (const page of selectFromListings(from(source), from(destination), {}, async () => ({}), 1, runStartedAt)) {
      out.push(...page.map((o) => `${o.object.key}:${o.action}`));
    }
    return out;
  };

  it('is queued when written in a later second than the run began, so the copier counts the copy it made', async () => {
    assert.deepEqual(await actions(RUN_STARTED), ['a-before:skip', 'b-same-second:skip', 'c-after:copy']);
  });

  it('is skipped whenever written, when no run start is given (a dry run)', async () => {
    assert.deepEqual(await actions(), ['a-before:skip', 'b-same-second:skip', 'c-after:skip']);
  });
});
