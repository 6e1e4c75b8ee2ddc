import type { JetStreamClient, JetStreamManager } from 'nats';
import { JS_ERR, unlessJetStreamError } from './errors.js';
import { STREAMS, jobIdFromToken, subjects } from './subjects.js';

/**
 * Why purged outcome batches leave the disk at all on nats-server 2.9.
 *
 * The events stream keeps its messages in 8 MB block files. A subject-filtered purge only marks the
 * purged messages deleted; it removes a block's file when every message in it is gone, and never
 * rewrites one. A running run's lifecycle events (a ListingCheckpointed per 1,000 listed objects,
 * while the lister keeps pace with the copiers) sit in every block and are never purged, so without
 * help no block of the run would ever leave the disk. A single-message delete is different: when it
 * finds its block (not the last one) under a quarter live, the server rewrites the block with only its
 * live messages and a 30-byte placeholder per deleted one (about 1.5% of what outcome batches occupied).
 *
 * So the projector publishes an empty marker on `ferry.mark.<job>` after every MARK_EVERY_BYTES of a
 * job's outcome batches, which puts several in every block the job wrote to, and a purge of the job's
 * outcomes deletes the markers below it one by one, highest first (deleting a block's first live message
 * never rewrites it). Each block is rewritten at the deletion that finds it mostly dead. nats-server
 * 2.10.3 and later compact such blocks by themselves; the markers cost them nothing but their deletes.
 */
export const MARK_EVERY_BYTES = 512 * 1024;

/**
 * Publishes a block marker for the job and answers its sequence; `atSeq` (the sequence of the batch that
 * made it due) keeps two projectors from marking twice.
 */
export async function publishBlockMarker(js: JetStreamClient, jobId: string, atSeq: number): Promise<number> {
  return (await js.publish(subjects.blockMarker(jobId), new Uint8Array(0), { msgID: `${jobId}:mark:${atSeq}` })).seq;
}

/** True for a block marker's subject: the events stream's only messages that are no events. */
export function isBlockMarker(subject: string): boolean {
  return subject.startsWith(BLOCK_MARKER_PREFIX);
}

/** The job a block marker's subject names. */
export function blockMarkerJob(subject: string): string {
  return jobIdFromToken(subject.slice(BLOCK_MARKER_PREFIX.length));
}

const BLOCK_MARKER_PREFIX = subjects.blockMarker('x').slice(0, -1);

/**
 * Purges the job's outcome batches below `seq`, then deletes its block markers below `seq` (`markers`:
 * the sequences of those still in the stream) so the blocks they lie in are rewritten without the purged
 * batches. Returns how many batches were purged.
 */
export async function purgeOutcomesBelow(jsm: JetStreamManager, jobId: string, seq: number, markers: readonly number[]): Promise<number> {
  const { purged } = await jsm.streams.purge(STREAMS.events, { filter: subjects.outcome(jobId), seq });
  await deleteBlockMarkers(jsm, markers.filter((marker) => marker < seq));
  return purged;
}

/**
 * Deletes the given block markers one by one, highest first; returns how many it deleted. The caller
 * knows their sequences (the projector folds every marker): looking them up in the stream would load
 * every 8 MB block they lie in at once, which is what nats-server's memory cannot afford at a purge.
 */
export async function deleteBlockMarkers(jsm: JetStreamManager, markers: readonly number[]): Promise<number> {
  let deleted = 0;
  // A marker deleted by an earlier, interrupted purge is gone already (messageDeleteFailed).
  for (const marker of [...markers].sort((a, b) => b - a)) if (await unlessJetStreamError(jsm.streams.deleteMessage(STREAMS.events, marker, false), JS_ERR.messageDeleteFailed)) deleted++;
  return deleted;
}
