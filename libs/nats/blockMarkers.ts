import type { JetStreamClient, JetStreamManager } from 'nats';
import { JS_ERR, unlessJetStreamError } from './errors.js';
import { nextOnSubject } from './subjectPosition.js';
import { STREAMS, subjects } from './subjects.js';

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

/** Publishes a block marker for the job; `atSeq` (the sequence of the batch that made it due) keeps two projectors from marking twice. */
export async function publishBlockMarker(js: JetStreamClient, jobId: string, atSeq: number): Promise<void> {
  await js.publish(subjects.blockMarker(jobId), new Uint8Array(0), { msgID: `${jobId}:mark:${atSeq}` });
}

/** True for a block marker's subject: the events stream's only messages that are no events. */
export function isBlockMarker(subject: string): boolean {
  return subject.startsWith(BLOCK_MARKER_PREFIX);
}

const BLOCK_MARKER_PREFIX = subjects.blockMarker('x').slice(0, -1);

/**
 * Purges the job's outcome batches below `seq`, then deletes its block markers below `seq` so the
 * blocks they lie in are rewritten without the purged batches. Returns how many batches were purged.
 */
export async function purgeOutcomesBelow(jsm: JetStreamManager, jobId: string, seq: number): Promise<number> {
  const { purged } = await jsm.streams.purge(STREAMS.events, { filter: subjects.outcome(jobId), seq });
  await deleteBlockMarkersBelow(jsm, jobId, seq);
  return purged;
}

/** Deletes the job's block markers below `seq`, one by one and highest first; returns how many it deleted. */
export async function deleteBlockMarkersBelow(jsm: JetStreamManager, jobId: string, seq: number): Promise<number> {
  const subject = subjects.blockMarker(jobId);
  const markers: number[] = [];
  for (let from = 1; from < seq; ) {
    const next = await nextOnSubject(jsm, subject, from);
    if (!next || next.seq >= seq) break;
    markers.push(next.seq);
    from = next.seq + 1;
  }
  let deleted = 0;
  // A marker deleted by an earlier, interrupted purge is gone already (messageDeleteFailed).
  for (const marker of markers.reverse()) if (await unlessJetStreamError(jsm.streams.deleteMessage(STREAMS.events, marker, false), JS_ERR.messageDeleteFailed)) deleted++;
  return deleted;
}
