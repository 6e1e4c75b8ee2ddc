import { FerryError } from '../domain/errors.js';
import { compareKeys } from './keyOrder.js';

/** One key of two listings walked together: present on one side or on both. */
export type JoinedObject<S extends { key: string }, D extends { key: string }> =
  | { key: string; source: S; destination: D }
  | { key: string; source: S; destination?: undefined }
  | { key: string; source?: undefined; destination: D };

/**
 * Merge-walks two listings sorted as S3 sorts them (UTF-8 byte order), yielding every
 * key of either side once, in that order: a full outer join. Yields one page per source
 * page, holding one page of each side at a time; destination keys after the source's last
 * come in a final page. With `destinationOnly: false`, keys only the destination has are
 * left out and the destination is read no further than the source's last key. A listing
 * out of order would make the walk miss keys, so it is refused.
 */
export async function* joinListings<S extends { key: string }, D extends { key: string }>(
  source: AsyncIterable<S[]>,
  destination: AsyncIterable<D[]>,
  { destinationOnly = true }: { destinationOnly?: boolean } = {},
): AsyncGenerator<Array<JoinedObject<S, D>>> {
  const dest = new ListingCursor<D>(destination[Symbol.asyncIterator](), 'destination');
  let previousSource: string | undefined;
  try {
    for await (const page of source) {
      const out: Array<JoinedObject<S, D>> = [];
      for (const object of page) {
        assertAscending('source', previousSource, object.key);
        previousSource = object.key;
        let candidate = await dest.peek();
        while (candidate !== undefined && compareKeys(candidate.key, object.key) < 0) {
          if (destinationOnly) out.push({ key: candidate.key, destination: candidate });
          dest.advance();
          candidate = await dest.peek();
        }
        if (candidate !== undefined && candidate.key === object.key) {
          out.push({ key: object.key, source: object, destination: candidate });
          dest.advance();
        } else {
          out.push({ key: object.key, source: object });
        }
      }
      if (out.length > 0) yield out;
    }
    if (!destinationOnly) return;
    let tail: Array<JoinedObject<S, D>> = [];
    for (let candidate = await dest.peek(); candidate !== undefined; candidate = await dest.peek()) {
      tail.push({ key: candidate.key, destination: candidate });
      dest.advance();
      if (dest.atPageEnd()) {
        yield tail;
        tail = [];
      }
    }
    if (tail.length > 0) yield tail;
  } finally {
    await dest.close();
  }
}

function assertAscending(side: string, previous: string | undefined, key: string): void {
  if (previous !== undefined && compareKeys(previous, key) >= 0) {
    throw new FerryError(
      'FAILED_PRECONDITION',
      `${side} listing is not in ascending UTF-8 key order: ${JSON.stringify(key)} came after ${JSON.stringify(previous)}`,
    );
  }
}

/** Walks a paged listing one object at a time, checking its order. */
class ListingCursor<T extends { key: string }> {
  private page: T[] = [];
  private index = 0;
  private done = false;
  private previous: string | undefined;

  constructor(
    private readonly pages: AsyncIterator<T[]>,
    private readonly side: string,
  ) {}

  async peek(): Promise<T | undefined> {
    while (this.index >= this.page.length) {
      if (this.done) return undefined;
      const next = await this.pages.next();
      if (next.done) {
        this.done = true;
        return undefined;
      }
      this.page = next.value;
      this.index = 0;
    }
    const object = this.page[this.index]!;
    if (this.previous !== object.key) {
      assertAscending(this.side, this.previous, object.key);
      this.previous = object.key;
    }
    return object;
  }

  advance(): void {
    this.index++;
  }

  atPageEnd(): boolean {
    return this.index >= this.page.length;
  }

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.pages.return?.();
    }
  }
}
