import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldJob, type JobEvent } from '../../libs/domain/index.js';
import { followedState, type CachedState } from '../../libs/nats/index.js';

const ID = 'job-1';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const checkpointed = (listed: number): JobEvent => ({
  type: 'ListingCheckpointed',
  data: { job_id: ID, run: 1, listed_objects: listed, listed_bytes: listed * 10, start_after: `k${listed}`, at: at(listed / 1000) },
});
/** The job subject's events and their stream sequences (other subjects' messages lie between them). */
const log: Array<[number, JobEvent]> = [
  [1, { type: 'JobCreated', data: { job_id: ID, definition: { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x' }, at: at(0) } }],
  [4, { type: 'RunStarted', data: { job_id: ID, run: 1, at: at(1) } }],
  [9, checkpointed(1000)],
  [15, checkpointed(2000)],
];
const loadedThrough = (n: number): CachedState => ({ state: foldJob(ID, log.slice(0, n).map(([, e]) => e)), lastSeq: log[n - 1]![0] });

describe('a cached decision state kept current by a follower of the events stream', () => {
  it('given a cache holding the event handed on before, when the next is handed on, then it is the log folded through that one', () => {
    assert.deepEqual(followedState(loadedThrough(2), 4, 9, log[2]![1]), loadedThrough(3));
    assert.deepEqual(followedState(loadedThrough(3), 4, 15, log[3]![1]), loadedThrough(4), 'a cache past the event handed on before holds it too');
  });

  it('given the follower handed on no event of the job since it began, then the next extends the cache, complete up to where it began', () => {
    assert.deepEqual(followedState(loadedThrough(2), undefined, 9, log[2]![1]), loadedThrough(3));
  });

  it('given an event the cache holds already, then the cache is left as it is', () => {
    const cached = loadedThrough(3);
    assert.equal(followedState(cached, 4, 9, log[2]![1]), cached);
    assert.equal(followedState(cached, undefined, 9, log[2]![1]), cached);
  });

  it('given a cache that may lack the event handed on before, then it is left for the next load to read on from', () => {
    const cached = loadedThrough(2);
    assert.equal(followedState(cached, 9, 15, log[3]![1]), cached, 'applying 15 without 9 would skip a checkpoint');
  });
});
