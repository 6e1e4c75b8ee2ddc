import { FerryError } from '../domain/errors.js';
import { compareKeys } from './keyOrder.js';

/** What a listing says about one object (structurally a libs/s3 ListedObject). */
export interface ObjectSummary {
  key: string;
  size: number;
  /** Without the surrounding quotes. */
  etag: string;
  /** ISO 8601. */
  last_modified: string;
}

export type Comparison = 'identical' | 'different' | 'absent';

/**
 * Merge-walks two listings sorted as S3 sorts them (UTF-8 byte order) and tells, for
 * every source object, how the destination's object with that key compares. Holds one
 * page of each side at a time. Destination keys missing from the source are skipped.
 * A listing out of order would make the walk miss keys, so it is refused.
 */
export async function* compareWithDestination<S extends ObjectSummary>(
  source: AsyncIterable<S[]>,
  destination: AsyncIterable<ObjectSummary[]>,
): AsyncGenerator<Array<{ object: S; comparison: Comparison }>> {
  const dest = new Cursor(destination[Symbol.asyncIterator](), 'destination');
  let previousSource: string | undefined;
  try {
    for await (const page of source) {
      const out: Array<{ object: S; comparison: Comparison }> = [];
      for (const object of page) {
        assertAscending('source', previousSource, object.key);
        previousSource = object.key;
        let candidate = await dest.peek();
        while (candidate !== undefined && compareKeys(candidate.key, object.key) < 0) {
          dest.advance();
          candidate = await dest.peek();
        }
        const comparison =
          candidate === undefined || candidate.key !== object.key ? 'absent' : compareObjects(object, candidate);
        out.push({ object, comparison });
      }
      if (out.length > 0) yield out;
    }
  } finally {
    await dest.close();
  }
}

/** Same size and same ETag; where ETags say nothing, a destination at least as new. */
export function compareObjects(source: ObjectSummary, destination: ObjectSummary): Exclude<Comparison, 'absent'> {
  if (source.size !== destination.size) return 'different';
  const a = normaliseEtag(source.etag);
  const b = normaliseEtag(destination.etag);
  if (a === b && a !== '') return 'identical';
  if (PLAIN_MD5.test(a) && PLAIN_MD5.test(b)) return 'different';
  // Multipart (`-N`) or otherwise opaque ETags are not content hashes that can be compared.
  return Date.parse(destination.last_modified) >= Date.parse(source.last_modified) ? 'identical' : 'different';
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/;

function normaliseEtag(etag: string): string {
  return etag.replace(/^(W\/)?"|"$/g, '').toLowerCase();
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
class Cursor {
  private page: ObjectSummary[] = [];
  private index = 0;
  private done = false;
  private previous: string | undefined;

  constructor(
    private readonly pages: AsyncIterator<ObjectSummary[]>,
    private readonly side: string,
  ) {}

  async peek(): Promise<ObjectSummary | undefined> {
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

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.pages.return?.();
    }
  }
}
