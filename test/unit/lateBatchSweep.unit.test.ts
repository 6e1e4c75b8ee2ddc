import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyCounts, project, type FerryEvent, type JobProjection } from '../../libs/domain/index.js';
import { lateBatchSweep } from '../../services/projector/compaction.js';

const ID = 'job-1';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const created: FerryEvent = {
  type: 'JobCreated',
  data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x' }, at: at(0) },
};
const started = (run: number): FerryEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: at(run * 10) } });
const processed = (run: number, ordinal: number): FerryEvent => ({
  type: 'ObjectsProcessed',
  data: { job_id: ID, run, at: at(5), outcomes: [{ ordinal, key: `k${ordinal}`, size: 10, result: 'failed', attempts: 1, duration_ms: 1, error: 'AccessDenied' }] },
});
const failed = (run: number): FerryEvent => ({ type: 'RunFailed', data: { job_id: ID, run, error: 'too many failures', counts: emptyCounts(), at: at(9) } });

function fold(events: Array<[number, FerryEvent]>): JobProjection {
  let p: JobProjection | undefined;
  for (const [seq, e] of events) p = project(p, e, seq);
  assert.ok(p, 'the job exists');
  return p;
}

const history: Array<[number, FerryEvent]> = [
  [1, created],
  [2, started(1)],
  [3, processed(1, 0)],
  [4, failed(1)],
  [5, processed(1, 1)],
];

const compactedEvent = (): FerryEvent => ({ type: 'OutcomesCompacted', data: { job_id: ID, run: 1, counts: emptyCounts(), through_seq: 4, at: at(12) } });

/** The log folded, then run 1's OutcomesCompacted at `seq` (lateBatchSweep reads no counts). */
const compacted = (log: Array<[number, FerryEvent]>, seq: number): JobProjection => fold([...log, [seq, compactedEvent()]]);

describe('late outcome batches of a compacted run', () => {
  it('given a batch folded after the run ended, then once the run is compacted they are swept from its end to that batch', () => {
    assert.equal(lateBatchSweep(fold(history), 5), undefined, 'not before the compaction, which deletes those already published');
    assert.deepEqual(lateBatchSweep(compacted(history, 6), 5), { run: 1, fromSeq: 5, toSeq: 5 });
    assert.deepEqual(lateBatchSweep(compacted(history, 6), 7), { run: 1, fromSeq: 5, toSeq: 7 }, 'each later batch asks again');
  });

  it('given no batch folded after the run ended, then nothing is swept', () => {
    const ended = history.slice(0, 4);
    assert.equal(lateBatchSweep(compacted(ended, 6), 3), undefined);
    assert.equal(lateBatchSweep(compacted(ended, 6), undefined), undefined, 'no batch folded since the projector started');
  });

  it('given a next run started, then the sweep waits for that run\'s compaction, which purges below its end', () => {
    const p = fold([...history, [6, compactedEvent()], [7, started(2)]]);
    assert.equal(lateBatchSweep(p, 8), undefined);
  });
});
