import type { JobDefinition, JobState } from '../../libs/domain/index.js';
import { SignedHttp, classifyS3Error, headObject, withRetry, type S3Endpoint } from '../../libs/s3/index.js';
import { classifyChecksums, classifyListed, verifySelection, type Verdict, type VerifyEntry } from '../../libs/selection/index.js';
import { guardEndpoints, endpointCause } from './endpointFailure.js';
import type { ListRunContext } from './listRun.js';
import { RunListing } from './runListing.js';
import { mapInOrder } from '../../libs/selection/mapInOrder.js';

const TAG_FETCH_CONCURRENCY = 16;
/** In checksum mode, keys classified between two looks at the run's state: this many HEADs per key slot. */
const HEAD_ROUNDS_PER_SLICE = 4;

/**
 * Lists one verify run (VerifyJob) from where its last checkpoint left off: every key of the job's
 * selection joined with the destination (verifySelection) gets an ordinal and a verdict, published as
 * outcomes (matched, missing, differing, extra, or failed when it could not be checked), so the projector
 * counts them and ends the run as it ends a copy run. Nothing is queued for copiers and nothing is copied.
 * In `checksum` mode each key on both sides costs a HEAD of each, `concurrency` keys at a time.
 */
export async function verifyRun(ctx: ListRunContext, state: JobState, concurrency: number): Promise<'complete' | 'stopped'> {
  const definition = state.definition as JobDefinition;
  const listing = new RunListing(ctx, state, 'verify');
  const http = new SignedHttp();
  try {
    const entries = verifySelection(ctx.source, ctx.destination, definition, {
      startAfter: state.listing.start_after,
      signal: ctx.signal,
      tagConcurrency: TAG_FETCH_CONCURRENCY,
      retry: ctx.retry,
    });
    // HEADs take time: in checksum mode a page is classified a few rounds at a time, so a pause or cancel
    // is seen between them (keys classified again after a resume keep their ordinals, counted once).
    const slice = definition.verify === 'checksum' ? Math.max(1, concurrency) * HEAD_ROUNDS_PER_SLICE : Number.POSITIVE_INFINITY;
    for await (const page of guardEndpoints(entries, ctx, definition)) {
      for (let from = 0; from < page.length; from += slice) {
        if ((await ctx.heartbeat()) === 'stop') {
          await listing.drain();
          return 'stopped';
        }
        const part = page.slice(from, from + slice);
        const verdicts = await verdictsOf(part, definition, (entry) => checksumVerdict(http, ctx, definition, entry.key), concurrency);
        for (const [index, entry] of part.entries()) {
          const verdict = verdicts[index]!;
          const size = entry.source?.size ?? entry.destination?.size ?? 0;
          const outcome = { key: entry.key, size, result: verdict.result, attempts: 0, duration_ms: 0 };
          const flushing = listing.decided(verdict.result === 'matched' ? outcome : { ...outcome, error: verdict.detail });
          if (flushing) await flushing;
          const checkpointing = listing.advance(entry.key, size);
          if (checkpointing) await checkpointing;
        }
      }
    }
    await listing.complete();
  } finally {
    http.close();
  }
  return 'complete';
}

/** The page's verdicts in its order: from the listings, or (checksum mode) from HEADs, `concurrency` at a time. */
async function verdictsOf(page: VerifyEntry[], definition: JobDefinition, byChecksums: (entry: VerifyEntry) => Promise<Verdict>, concurrency: number): Promise<Verdict[]> {
  const listed = page.map((entry) => classifyListed(entry, definition.verify));
  const pending = listed.flatMap((v, index) => (v === undefined ? [index] : []));
  const headed = await mapInOrder(pending, concurrency, (index) => byChecksums(page[index]!));
  pending.forEach((index, i) => (listed[index] = headed[i]));
  return listed as Verdict[];
}

/** HEADs both sides asking for their checksums, retried under the job's policy; a HEAD that keeps failing fails the key. */
async function checksumVerdict(http: SignedHttp, ctx: ListRunContext, definition: JobDefinition, key: string): Promise<Verdict> {
  const head = (endpoint: S3Endpoint, bucket: string) =>
    withRetry(() => headObject(http, { signal: ctx.signal }, { endpoint, bucket, key }, true), { ...ctx.retry, signal: ctx.signal });
  try {
    const [source, destination] = await Promise.all([head(ctx.source, definition.source_bucket), head(ctx.destination, definition.destination_bucket)]);
    return classifyChecksums(source?.checksums, destination?.checksums);
  } catch (err) {
    // Stopping (pause, cancel, shutdown) is not the key's fault: the listing resumes from its checkpoint.
    if (ctx.signal.aborted) throw err;
    return { result: 'failed', detail: `HEAD failed: ${endpointCause(classifyS3Error(err))}` };
  }
}
