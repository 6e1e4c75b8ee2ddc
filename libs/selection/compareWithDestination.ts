import { joinListings } from './joinListings.js';

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
 * Tells, for every source object of two listings sorted as S3 sorts them, how the
 * destination's object with that key compares. Destination keys missing from the source
 * are skipped.
 */
export async function* compareWithDestination<S extends ObjectSummary>(
  source: AsyncIterable<S[]>,
  destination: AsyncIterable<ObjectSummary[]>,
): AsyncGenerator<Array<{ object: S; comparison: Comparison }>> {
  for await (const page of joinListings(source, destination, { destinationOnly: false })) {
    const out: Array<{ object: S; comparison: Comparison }> = [];
    for (const joined of page) {
      if (joined.source === undefined) continue;
      const comparison = joined.destination === undefined ? 'absent' : compareObjects(joined.source, joined.destination);
      out.push({ object: joined.source, comparison });
    }
    if (out.length > 0) yield out;
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
