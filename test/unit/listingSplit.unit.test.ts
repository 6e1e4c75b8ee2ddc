import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldJob, rangeOrdinalBase, type JobCommand, type JobEvent, type StoredJobDefinition } from '../../libs/domain/index.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'job-1';
const now = '2026-01-01T00:00:00.000Z';
const metadata = { now };
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst' };
const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
const started: JobEvent = { type: 'RunStarted', data: { job_id: ID, run: 1, at: now } };
const split: JobEvent = { type: 'ListingSplit', data: { job_id: ID, run: 1, boundaries: ['g', 'p'], at: now } };
const cancelled: JobEvent = { type: 'JobCancelled', data: { job_id: ID, run: 1, at: now } };

const splitListing = (boundaries: string[]): JobCommand => ({ type: 'SplitListing', data: { job_id: ID, run: 1, boundaries }, metadata });
const checkpoint = (listed_objects: number, start_after: string, range?: number): JobCommand => ({
  type: 'RecordListingCheckpoint',
  data: { job_id: ID, run: 1, listed_objects, listed_bytes: listed_objects * 10, start_after, ...(range === undefined ? {} : { range }) },
  metadata,
});
const complete = (total: number, range?: number): JobCommand => ({
  type: 'CompleteListing',
  data: { job_id: ID, run: 1, total_objects: total, total_bytes: total * 10, ...(range === undefined ? {} : { range }) },
  metadata,
});
const rangeCheckpointed = (index: number, listed: number, start_after: string, runListed: number): JobEvent => ({
  type: 'ListingCheckpointed',
  data: { job_id: ID, run: 1, listed_objects: runListed, listed_bytes: runListed * 10, start_after, range: { index, listed_objects: listed, listed_bytes: listed * 10 }, at: now },
});
const rangeCompleted = (index: number, listed: number): JobEvent => ({
  type: 'ListingRangeCompleted',
  data: { job_id: ID, run: 1, range: { index, listed_objects: listed, listed_bytes: listed * 10 }, at: now },
});

describe('a run listed in ranges', () => {
  it('is split once, only before its listing began', () => {
    given(ID, [created, started]).when(splitListing(['g', 'p'])).then([split]);
    given(ID, [created, started, split]).when(splitListing(['m'])).then([]);
    given(ID, [created, started, { type: 'ListingCheckpointed', data: { job_id: ID, run: 1, listed_objects: 5, listed_bytes: 50, start_after: 'e', at: now } }])
      .when(splitListing(['g']))
      .then([]);
    given(ID, [created, started]).when(splitListing([])).then([]);
    given(ID, [created, started, cancelled]).when(splitListing(['g'])).then([]);
  });

  it('checkpoints each range on its own and counts the run as their sum', () => {
    given(ID, [created, started, split]).when(checkpoint(4, 'c', 0)).then([rangeCheckpointed(0, 4, 'c', 4)]);
    given(ID, [created, started, split, rangeCheckpointed(0, 4, 'c', 4)]).when(checkpoint(3, 'k', 1)).then([rangeCheckpointed(1, 3, 'k', 7)]);
    // A checkpoint behind the range's own, or of a range that does not exist, is stale.
    given(ID, [created, started, split, rangeCheckpointed(0, 4, 'c', 4)]).when(checkpoint(4, 'c', 0)).then([]);
    given(ID, [created, started, split]).when(checkpoint(4, 'c', 3)).then([]);
    // Once split, the run is never checkpointed or completed as a whole.
    given(ID, [created, started, split]).when(checkpoint(4, 'c')).then([]);
    given(ID, [created, started, split]).when(complete(4)).then([]);
  });

  it('completes its listing with the last range, with the ranges summed', () => {
    given(ID, [created, started, split]).when(complete(4, 0)).then([rangeCompleted(0, 4)]);
    given(ID, [created, started, split, rangeCompleted(0, 4), rangeCompleted(2, 5)])
      .when(complete(3, 1))
      .then([rangeCompleted(1, 3), { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 12, total_bytes: 120, at: now } }]);
    given(ID, [created, started, split, rangeCompleted(0, 4)]).when(complete(4, 0)).then([]);
  });

  it("owes the listing's end when the last range's completion was appended without it", () => {
    // The decision [ListingRangeCompleted, ListingCompleted] lost its second append; deciding again ends the listing.
    given(ID, [created, started, split, rangeCompleted(0, 4), rangeCompleted(2, 5), rangeCompleted(1, 3)])
      .when(complete(3, 1))
      .then([{ type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 12, total_bytes: 120, at: now } }]);
    // Any range's task asking again does as well; once ended, nothing more.
    given(ID, [created, started, split, rangeCompleted(0, 4), rangeCompleted(2, 5), rangeCompleted(1, 3)])
      .when(complete(4, 0))
      .then([{ type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 12, total_bytes: 120, at: now } }]);
    const ended: JobEvent = { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 12, total_bytes: 120, at: now } };
    given(ID, [created, started, split, rangeCompleted(0, 4), rangeCompleted(2, 5), rangeCompleted(1, 3), ended]).when(complete(3, 1)).then([]);
  });

  it('resumes each range after its own checkpoint, from its own ordinals', () => {
    const state = foldJob(ID, [created, started, split, rangeCheckpointed(1, 3, 'k', 3)]);
    assert.deepEqual(state.listing.ranges, [
      { start_after: '', through: 'g', listed_objects: 0, listed_bytes: 0, complete: false },
      { start_after: 'k', through: 'p', listed_objects: 3, listed_bytes: 30, complete: false },
      { start_after: 'p', listed_objects: 0, listed_bytes: 0, complete: false },
    ]);
    assert.equal(state.listing.listed_objects, 3);
    assert.ok(rangeOrdinalBase(1) > Number.MAX_SAFE_INTEGER / 2 ** 18, 'ranges far apart');
    assert.ok(Number.isSafeInteger(rangeOrdinalBase(131_071) + rangeOrdinalBase(1) - 1), 'the last range ordinal is exact');
  });
});
