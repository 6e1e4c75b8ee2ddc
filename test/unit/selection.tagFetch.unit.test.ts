import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterWithTags } from '../../libs/selection/index.js';

interface Obj {
  key: string;
}

async function* pagesOf(pages: Obj[][], onPull?: (index: number) => void): AsyncGenerator<Obj[]> {
  for (let i = 0; i < pages.length; i++) {
    onPull?.(i);
    yield pages[i]!;
  }
}

const keys = (from: number, to: number): Obj[] =>
  Array.from({ length: to - from }, (_, i) => ({ key: `k${String(from + i).padStart(4, '0')}` }));

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** A tag store whose answers are released by the test, in any order it likes. */
function controlledTags(tagsOf: (key: string) => Record<string, string>) {
  const waiting = new Map<string, () => void>();
  let inFlight = 0;
  let peak = 0;
  const fetched: string[] = [];
  let arrived: (() => void) | undefined;
  return {
    fetched,
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
    fetchTags(key: string): Promise<Record<string, string>> {
      fetched.push(key);
      inFlight++;
      peak = Math.max(peak, inFlight);
      return new Promise((resolve) => {
        waiting.set(key, () => {
          inFlight--;
          resolve(tagsOf(key));
        });
        arrived?.();
      });
    },
    /** Waits until `count` fetches are outstanding, then answers the one chosen. */
    async release(pick: (keys: string[]) => string, count: number): Promise<void> {
      while (waiting.size < count) await new Promise<void>((resolve) => (arrived = resolve));
      const key = pick([...waiting.keys()]);
      const answer = waiting.get(key)!;
      waiting.delete(key);
      answer();
    },
    get waiting() {
      return waiting.size;
    },
  };
}

const evenKeysMatch = (key: string) => ({ keep: Number(key.slice(1)) % 2 === 0 ? 'yes' : 'no' });
const keep = (tags: Record<string, string>) => tags.keep === 'yes';

describe('filterWithTags', () => {
  it('keeps matching objects in key order, page by page, answering in reverse order', async () => {
    const store = controlledTags(evenKeysMatch);
    const input = [keys(0, 5), keys(5, 10), keys(10, 13)];
    const result = collect(filterWithTags(pagesOf(input), (k) => store.fetchTags(k), keep, 3));
    // Always answer the newest outstanding request first: the output must still come out sorted.
    for (let answered = 0; answered < 13; answered++) {
      await store.release((waiting) => waiting[waiting.length - 1]!, answered === 0 ? 3 : 1);
    }
    const pages = await result;
    assert.deepEqual(
      pages.map((page) => page.map((o) => o.key)),
      [
        ['k0000', 'k0002', 'k0004'],
        ['k0006', 'k0008'],
        ['k0010', 'k0012'],
      ],
    );
    assert.equal(store.peak, 3);
    assert.deepEqual(store.fetched, keys(0, 13).map((o) => o.key));
  });

  it('never has more than `concurrency` fetches in flight, across page boundaries', async () => {
    const input = [keys(0, 7), keys(7, 9), keys(9, 40)];
    let inFlight = 0;
    let peak = 0;
    const fetchTags = async (key: string) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      // Uneven completion times without a clock: each fetch yields a key-dependent number of turns.
      for (let i = 0; i <= Number(key.slice(1)) % 5; i++) await Promise.resolve();
      inFlight--;
      return evenKeysMatch(key);
    };
    const pages = await collect(filterWithTags(pagesOf(input), fetchTags, keep, 4));
    assert.equal(peak, 4);
    const flat = pages.flat().map((o) => o.key);
    assert.deepEqual(flat, keys(0, 40).filter((_, i) => i % 2 === 0).map((o) => o.key));
  });

  it('with concurrency 1 fetches strictly one at a time', async () => {
    const store = controlledTags(() => ({ keep: 'yes' }));
    const result = collect(filterWithTags(pagesOf([keys(0, 4)]), (k) => store.fetchTags(k), keep, 1));
    for (let i = 0; i < 4; i++) {
      await store.release((w) => w[0]!, 1);
      assert.ok(store.peak <= 1);
    }
    assert.deepEqual((await result).flat().length, 4);
  });

  it('does not read the listing far ahead of a slow fetch', async () => {
    const store = controlledTags(() => ({ keep: 'yes' }));
    const pulled: number[] = [];
    const input = Array.from({ length: 50 }, (_, p) => keys(p * 2, p * 2 + 2));
    const result = collect(filterWithTags(pagesOf(input, (i) => pulled.push(i)), (k) => store.fetchTags(k), keep, 2));
    // Hold k0000 and answer the 7 fetches behind it as they arrive.
    for (let i = 0; i < 7; i++) await store.release((w) => w.find((k) => k !== 'k0000')!, 2);
    // Not a timed wait: once every queued callback has run, the generator is parked.
    await new Promise(setImmediate);
    assert.equal(store.fetched.length, 8, 'the reorder window is 4 x concurrency');
    assert.ok(pulled.length <= 5, `pulled ${pulled.length} pages while the head was stuck`);
    while (store.fetched.length < 100 || store.waiting > 0) await store.release((w) => w[0]!, 1);
    assert.equal((await result).flat().length, 100);
  });

  it('skips pages with no match and yields nothing for an empty listing', async () => {
    const none = await collect(filterWithTags(pagesOf([keys(0, 3), []]), async () => ({}), keep, 2));
    assert.deepEqual(none, []);
    const empty = await collect(filterWithTags(pagesOf([]), async () => ({ keep: 'yes' }), keep, 2));
    assert.deepEqual(empty, []);
  });

  it('surfaces a failed fetch in key order, after the pages before it', async () => {
    const failing = async (key: string) => {
      if (key === 'k0003') throw new Error('tag fetch failed');
      return { keep: 'yes' };
    };
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const page of filterWithTags(pagesOf([keys(0, 2), keys(2, 5)]), failing, keep, 3)) {
        seen.push(...page.map((o) => o.key));
      }
    }, /tag fetch failed/);
    assert.deepEqual(seen, ['k0000', 'k0001']);
  });

  it('surfaces an error thrown by the matcher instead of hanging', async () => {
    const throwing = () => {
      throw new Error('bad matcher');
    };
    await assert.rejects(collect(filterWithTags(pagesOf([keys(0, 3)]), async () => ({}), throwing, 2)), /bad matcher/);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(collect(filterWithTags(pagesOf([keys(0, 1)]), async () => ({}), keep, bad)), RangeError);
    }
  });
});
