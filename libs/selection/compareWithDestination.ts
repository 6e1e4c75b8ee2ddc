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
): AsyncGenerator<Array<{ object: S; comparison: Comparison; destination?: ObjectSummary }>> {
  for await (const page of joinListings(source, destination, { destinationOnly: false })) {
    const out: Array<{ object: S; comparison: Comparison; destination?: ObjectSummary }> = [];
    for (const joined of page) {
      if (joined.source === undefined) continue;
      if (joined.destination === undefined) {
        out.push({ object: joined.source, comparison: 'absent' });
        continue;
      }
      out.push({ object: joined.source, comparison: compareObjects(joined.source, joined.destination), destination: joined.destination });
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

/**
 * Whether an object identical at the destination may be the run's own copy, so it is queued, not skipped:
 * written there in a later second than the one the run began in. A lister resuming after one that died
 * lists again the keys queued after the last checkpoint, and copiers may have copied some by now. Queued
 * again, such an item carries the message id of the one queued before, so JetStream drops it and the
 * copier's outcome (copied) is the one counted; past the duplicate window it is copied once more and still
 * counted once. Whole seconds, because most S3 servers date objects to the second: a copy an earlier run
 * made in the second this one began is still skipped, and a copy made in this run's first second is not
 * told apart.
 */
export function mayBeThisRunsCopy(destination: ObjectSummary, runStartedAt: string | undefined): boolean {
  if (runStartedAt === undefined) return false;
  const nextSecond = (Math.floor(Date.parse(runStartedAt) / 1000) + 1) * 1000;
  return Date.parse(destination.last_modified) >= nextSecond;
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/;

function normaliseEtag(etag: string): string {
  return etag.replace(/^(W\/)?"|"$/g, '').toLowerCase();
}
