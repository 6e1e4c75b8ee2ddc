import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JetStreamClient, NatsConnection } from 'nats';
import { MARK_EVERY_BYTES, lastOnSubject, publishBlockMarker, purgeOutcomesBelow, readSubjectRange, subjects } from '../../libs/nats/index.js';
import { directoryBytes } from '../harness/directoryBytes.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

const BATCH_BYTES = 2_000;
/** Four of nats-server's 8 MB blocks. */
const BATCHES = 16_000;
/** A lifecycle event (a listing checkpoint) every this many batches, as when the lister keeps pace with the copiers. */
const BATCHES_PER_EVENT = 50;

/**
 * On nats-server 2.9 a purge of a running run's outcome batches leaves every block on disk that also holds
 * a lifecycle event; deleting the job's block markers below the purge has the server rewrite those blocks
 * without the purged batches.
 */
describe('purging outcome batches between lifecycle events', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let js: JetStreamClient;

  before(async () => {
    jetStream = await startJetStream('block-markers');
    nc = jetStream.nc;
    js = nc.jetstream();
  });
  after(async () => {
    await jetStream?.stop();
  });

  /**
   * Publishes the job's batches with a lifecycle event every BATCHES_PER_EVENT and a marker every MARK_EVERY_BYTES,
   * as the projector places them; answers the markers' sequences (the projector notes them as it folds them).
   */
  async function writeRun(jobId: string): Promise<number[]> {
    const markers: number[] = [];
    const batch = new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(BATCH_BYTES - 12) }));
    let unmarked = 0;
    for (let i = 0; i < BATCHES; i += BATCHES_PER_EVENT) {
      const acks = await Promise.all(Array.from({ length: BATCHES_PER_EVENT }, () => js.publish(subjects.outcome(jobId), batch)));
      await js.publish(subjects.job(jobId), new TextEncoder().encode(JSON.stringify({ checkpoint: i })));
      unmarked += BATCHES_PER_EVENT * BATCH_BYTES;
      if (unmarked >= MARK_EVERY_BYTES) {
        unmarked = 0;
        markers.push(await publishBlockMarker(js, jobId, acks.at(-1)!.seq));
      }
    }
    return markers;
  }

  it('the purged batches leave the disk; lifecycle events and later batches stay', { timeout: 120_000 }, async () => {
    const jobId = 'blocks';
    const markers = await writeRun(jobId);
    const jsm = await nc.jetstreamManager();
    const cut = await lastOnSubject(jsm, subjects.outcome(jobId));
    const later = (await js.publish(subjects.outcome(jobId), new TextEncoder().encode('{}'))).seq;
    const written = directoryBytes(jetStream.storeDir);

    const purged = await purgeOutcomesBelow(jsm, jobId, cut, markers);

    const left = directoryBytes(jetStream.storeDir);
    assert.equal(purged, BATCHES - 1);
    assert.ok(written > 4 * 8_000_000 * 0.95, `the run wrote ${written} bytes`);
    // Without the markers' deletion every block stays whole: about all of `written` is left.
    assert.ok(left < written * 0.3, `${left} of ${written} bytes left on disk`);
    assert.equal((await readSubjectRange(nc, subjects.job(jobId))).length, BATCHES / BATCHES_PER_EVENT, 'every lifecycle event is kept');
    assert.deepEqual(
      (await readSubjectRange(nc, subjects.outcome(jobId))).map(({ seq }) => seq),
      [cut, later],
      'the batches from the purge point on are kept',
    );
    assert.equal(await lastOnSubject(jsm, subjects.blockMarker(jobId)), 0, 'no marker is left below the purge point');
  });
});
