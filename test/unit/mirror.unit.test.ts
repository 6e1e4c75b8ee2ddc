import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkMirrorSettings,
  deletionLimit,
  judgeDeletion,
  parseMaxDelete,
  project,
  validateJobDefinition,
  FerryError,
  type FerryEvent,
  type JobEvent,
  type JobProjection,
  type RunCounts,
  type StoredJobDefinition,
} from '../../libs/domain/index.js';
import { emptyTally, extraneousFromListings } from '../../libs/selection/index.js';
import { given } from '../harness/deciderSpec.js';
import { dryRunReport, jobDetail } from '../../services/cli/format.js';
import type { Job__Output } from '../../libs/api/index.js';

describe('max_delete', () => {
  it('reads a count or a percentage, and nothing else', () => {
    assert.deepEqual(parseMaxDelete('500'), { count: 500 });
    assert.deepEqual(parseMaxDelete('0'), { count: 0 });
    assert.deepEqual(parseMaxDelete('5%'), { percent: 5 });
    assert.deepEqual(parseMaxDelete('0.5%'), { percent: 0.5 });
    assert.deepEqual(parseMaxDelete('100%'), { percent: 100 });
    for (const bad of ['', '-1', '1.5', '05', '0%', '101%', '5 %', '%', 'lots', '1e3']) assert.equal(parseMaxDelete(bad), undefined, bad);
  });

  it('is checked with the other mirror settings, naming the field', () => {
    assert.throws(() => checkMirrorSettings({ delete_extraneous: true, max_delete: '5 percent' }), (e: FerryError) => e.details[0]?.field === 'max_delete');
    assert.throws(() => checkMirrorSettings({ max_delete: '5' }), (e: FerryError) => e.details[0]?.field === 'max_delete');
    assert.throws(() => checkMirrorSettings({ delete_extraneous: false, allow_empty_source: true }), (e: FerryError) => e.details[0]?.field === 'allow_empty_source');
    checkMirrorSettings({ delete_extraneous: true, max_delete: '10%', allow_empty_source: false });
    const def = validateJobDefinition({ job_id: 'j', source_bucket: 'src', destination_bucket: 'dst', delete_extraneous: true, max_delete: '3' });
    assert.equal(def.max_delete, '3');
    assert.throws(() => validateJobDefinition({ job_id: 'j', source_bucket: 'src', destination_bucket: 'dst', delete_extraneous: true, max_delete: 3 }), /max_delete: must be a string/);
  });

  it('limits deletions to the count, or to the share of the destination objects in the selection (rounded down)', () => {
    assert.equal(deletionLimit(undefined, 10), Number.POSITIVE_INFINITY);
    assert.equal(deletionLimit('7', 3), 7);
    assert.equal(deletionLimit('5%', 200), 10);
    assert.equal(deletionLimit('5%', 39), 1);
    assert.equal(deletionLimit('0.5%', 1000), 5);
    assert.equal(deletionLimit('10%', 5), 0);
  });

  it('judges a counting pass: nothing to delete, an empty source, max_delete, or delete', () => {
    const count = { candidates: 3, candidate_bytes: 30, destination_objects: 10, source_objects: 7 };
    assert.equal(judgeDeletion({ delete_extraneous: true }, count).action, 'delete');
    assert.equal(judgeDeletion({ delete_extraneous: true, max_delete: '3' }, count).action, 'delete');
    assert.equal(judgeDeletion({ delete_extraneous: true, max_delete: '30%' }, count).action, 'delete');
    const over = judgeDeletion({ delete_extraneous: true, max_delete: '29%' }, count);
    assert.deepEqual(over, { action: 'stop', reason: 'max_delete exceeded: 3 of 10 destination objects in the selection would be deleted, more than max_delete 29% (2); nothing was deleted' });
    assert.equal(judgeDeletion({ delete_extraneous: true, max_delete: '2' }, count).action, 'stop');
    const empty = { ...count, source_objects: 0, destination_objects: 3 };
    assert.equal(judgeDeletion({ delete_extraneous: true }, empty).action, 'skip');
    assert.match((judgeDeletion({ delete_extraneous: true }, empty) as { reason: string }).reason, /source listing was empty.*allow_empty_source/);
    assert.equal(judgeDeletion({ delete_extraneous: true, allow_empty_source: true }, empty).action, 'delete');
    // The empty-source safeguard comes first: an empty source never reads as "too many to delete".
    assert.equal(judgeDeletion({ delete_extraneous: true, max_delete: '1' }, empty).action, 'skip');
    assert.equal(judgeDeletion({ delete_extraneous: true }, { ...count, candidates: 0, candidate_bytes: 0 }).action, 'skip');
  });
});

describe('extraneous objects', () => {
  const T = '2024-01-15T00:00:00.000Z';
  const obj = (key: string, size = 100, last_modified = T) => ({ key, size, last_modified, etag: '' });
  async function* pages<O>(...list: O[][]) {
    yield* list;
  }
  async function walk(source: Array<Array<{ key: string }>>, destination: Array<ReturnType<typeof obj>[]>, filter: Parameters<typeof extraneousFromListings>[2], tags: Record<string, Record<string, string>> = {}) {
    const tally = emptyTally();
    const fetched: string[] = [];
    const out: string[] = [];
    const fetchTags = async (key: string) => {
      fetched.push(key);
      return tags[key] ?? {};
    };
    for await (const page of extraneousFromListings(pages(...source), pages(...destination), filter, fetchTags, 4, tally)) out.push(...page.map((o) => o.key));
    return { out, tally, fetched };
  }

  it('are the destination-only keys, in key order, across pages of either side', async () => {
    const { out, tally } = await walk([[obj('a'), obj('c')], [obj('e')]], [[obj('a'), obj('b')], [obj('c'), obj('d'), obj('f')]], {});
    assert.deepEqual(out, ['b', 'd', 'f']);
    assert.deepEqual(tally, { source_objects: 3, destination_objects: 5 });
  });

  it('apply the job\'s filters to the destination object\'s own facts; a source key keeps its object whatever the filters say of the source', async () => {
    const old = '2020-01-01T00:00:00.000Z';
    const { out, tally } = await walk(
      [[obj('p/small-at-source', 1)]],
      [[obj('p/big'), obj('p/old', 100, old), obj('p/small-at-source', 100), obj('p/tiny', 1)]],
      { prefix: 'p/', min_size: 10, created_after: '2023-01-01T00:00:00Z' },
    );
    assert.deepEqual(out, ['p/big']);
    assert.equal(tally.destination_objects, 2, 'p/big and p/small-at-source');
  });

  it('with a tag filter, fetch the tags of the candidates only, from the destination', async () => {
    const { out, fetched } = await walk([[obj('a')]], [[obj('a'), obj('b'), obj('c')]], { tags: { mirror: 'yes' } }, { b: { mirror: 'yes' }, c: { mirror: 'no' } });
    assert.deepEqual(out, ['b']);
    assert.deepEqual(fetched.sort(), ['b', 'c']);
  });

  it('never come out of an empty destination, and all of the destination with an empty source', async () => {
    assert.deepEqual((await walk([[obj('a')]], [], {})).out, []);
    const { out, tally } = await walk([], [[obj('a'), obj('b')]], {});
    assert.deepEqual(out, ['a', 'b']);
    assert.equal(tally.source_objects, 0);
  });
});

describe('mirror run phases in the decider', () => {
  const ID = 'm';
  const now = '2026-01-01T00:00:00.000Z';
  const meta = { now };
  const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', delete_extraneous: true, max_delete: '2' };
  const counts: RunCounts = { total_objects: 1, total_bytes: 10, completed_objects: 1, completed_bytes: 10, skipped_objects: 0, skipped_bytes: 0, failed_objects: 0, failed_bytes: 0 };
  const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
  const started: JobEvent = { type: 'RunStarted', data: { job_id: ID, run: 1, at: now } };
  const listed: JobEvent = { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 1, total_bytes: 10, at: now } };
  const count = { candidates: 2, candidate_bytes: 7, destination_objects: 3, source_objects: 1 };
  const planned: JobEvent = { type: 'DeletionPlanned', data: { job_id: ID, run: 1, ...count, at: now } };
  const objects = [{ key: 'x', size: 3 }, { key: 'y', size: 4 }];
  const deleted: JobEvent = { type: 'ObjectsDeleted', data: { job_id: ID, run: 1, batch: 0, objects, at: now } };
  const deletionDone: JobEvent = { type: 'DeletionCompleted', data: { job_id: ID, run: 1, deleted_objects: 2, deleted_bytes: 7, at: now } };
  const finish = { type: 'FinishRun' as const, data: { job_id: ID, run: 1, counts }, metadata: meta };
  const plan = (c = count) => ({ type: 'PlanDeletion' as const, data: { job_id: ID, run: 1, ...c }, metadata: meta });

  it('does not end a mirror run before its delete phase completed, then ends it with the deletions counted', () => {
    given(ID, [created, started, listed]).when(finish).then([]);
    given(ID, [created, started, listed, planned, deleted]).when(finish).then([]);
    given(ID, [created, started, listed, planned, deleted, deletionDone])
      .when(finish)
      .then([{ type: 'RunCompleted', data: { job_id: ID, run: 1, counts: { ...counts, deleted_objects: 2, deleted_bytes: 7 }, at: now } }]);
  });

  it('gives a verify run of a mirror job no delete phase: it ends on its own counts and plans nothing', () => {
    const verifying: JobEvent = { type: 'RunStarted', data: { job_id: ID, run: 1, at: now, kind: 'verify' } };
    const verified: RunCounts = { ...counts, completed_objects: 0, completed_bytes: 0, matched_objects: 1, missing_objects: 0, differing_objects: 0, extra_objects: 0 };
    given(ID, [created, verifying, listed]).when(plan()).then([]);
    given(ID, [created, verifying, listed])
      .when({ ...finish, data: { ...finish.data, counts: verified } })
      .then([{ type: 'RunCompleted', data: { job_id: ID, run: 1, counts: verified, at: now } }]);
  });

  it('refuses delete_extraneous with a manifest, naming the field', () => {
    assert.throws(
      () => validateJobDefinition({ job_id: 'm', source_bucket: 'src', destination_bucket: 'dst', delete_extraneous: true, manifest: { bucket: 'lists', key: 'm.csv' } }),
      (err: { details?: Array<{ field?: string }> }) => err.details?.[0]?.field === 'delete_extraneous',
    );
  });

  it('plans a deletion only once the listing completed, and only once', () => {
    given(ID, [created, started]).when(plan()).then([]);
    given(ID, [created, started, listed]).when(plan()).then([planned]);
    given(ID, [created, started, listed, planned]).when(plan()).then([]);
  });

  it('fails the run before deleting when max_delete is exceeded, and completes the phase with a note when the source is empty', () => {
    const tooMany = { ...count, candidates: 3 };
    given(ID, [created, started, listed])
      .when(plan(tooMany))
      .then([
        { type: 'DeletionPlanned', data: { job_id: ID, run: 1, ...tooMany, at: now } },
        {
          type: 'RunFailed',
          data: {
            job_id: ID,
            run: 1,
            error: 'max_delete exceeded: 3 of 3 destination objects in the selection would be deleted, more than max_delete 2 (2); nothing was deleted',
            counts: { ...counts, completed_objects: 0, completed_bytes: 0 },
            at: now,
            fatal: true,
          },
        },
      ]);
    const empty = { ...count, source_objects: 0 };
    given(ID, [created, started, listed])
      .when(plan(empty))
      .then([
        { type: 'DeletionPlanned', data: { job_id: ID, run: 1, ...empty, at: now } },
        {
          type: 'DeletionCompleted',
          data: { job_id: ID, run: 1, deleted_objects: 0, deleted_bytes: 0, at: now, note: 'nothing deleted: the source listing was empty, so the 2 destination objects in the selection were kept (set allow_empty_source: true to delete them)' },
        },
      ]);
  });

  it('records each batch once, in order, and completes with the totals', () => {
    const record = (batch: number) => ({ type: 'RecordDeletions' as const, data: { job_id: ID, run: 1, batch, objects }, metadata: meta });
    given(ID, [created, started, listed]).when(record(0)).then([]);
    given(ID, [created, started, listed, planned]).when(record(0)).then([deleted]);
    given(ID, [created, started, listed, planned, deleted]).when(record(0)).then([]);
    given(ID, [created, started, listed, planned, deleted]).when({ type: 'CompleteDeletion', data: { job_id: ID, run: 1 }, metadata: meta }).then([deletionDone]);
    given(ID, [created, started, listed, planned, deleted, deletionDone]).when({ type: 'CompleteDeletion', data: { job_id: ID, run: 1 }, metadata: meta }).then([]);
  });

  it('gives a retry-failed run no delete phase', () => {
    const failed: JobEvent = { type: 'RunFailed', data: { job_id: ID, run: 1, error: '1 object failed', counts, at: now } };
    const retry: JobEvent = { type: 'RunStarted', data: { job_id: ID, run: 2, at: now, retry_of: 1 } };
    const listed2: JobEvent = { type: 'ListingCompleted', data: { job_id: ID, run: 2, total_objects: 1, total_bytes: 10, at: now } };
    given(ID, [created, started, listed, failed, retry, listed2])
      .when({ ...finish, data: { ...finish.data, run: 2 } })
      .then([{ type: 'RunCompleted', data: { job_id: ID, run: 2, counts, at: now } }]);
    given(ID, [created, started, listed, failed, retry, listed2]).when({ ...plan(), data: { ...plan().data, run: 2 } }).then([]);
  });

  it('projects the phase and the deletions into the view', () => {
    let p: JobProjection | undefined;
    const events: FerryEvent[] = [created, started, listed, planned, deleted];
    events.forEach((e, i) => (p = project(p, e, i + 1)));
    assert.equal(p!.view.runs[0]!.delete_phase?.status, 'deleting');
    assert.equal(p!.view.progress.deleted_objects, 2);
    assert.equal(p!.view.progress.deleted_bytes, 7);
    p = project(p, deletionDone, 6);
    assert.equal(p!.view.runs[0]!.delete_phase?.status, 'completed');
    p = project(p, { type: 'RunCompleted', data: { job_id: ID, run: 1, counts: { ...counts, deleted_objects: 2, deleted_bytes: 7 }, at: now } }, 7);
    assert.equal(p!.view.runs[0]!.counts.deleted_objects, 2);
    assert.equal(p!.view.status, 'completed');
  });

  it('shows a delete phase cut short by a cancel as stopped, with what it had deleted', () => {
    let p: JobProjection | undefined;
    const events: FerryEvent[] = [created, started, listed, planned, deleted, { type: 'JobCancelled', data: { job_id: ID, run: 1, at: now } }];
    events.forEach((e, i) => (p = project(p, e, i + 1)));
    assert.equal(p!.view.status, 'cancelled');
    assert.equal(p!.view.runs[0]!.delete_phase?.status, 'stopped');
    assert.equal(p!.view.runs[0]!.counts.deleted_objects, 2);
  });
});

describe('mirror mode in the CLI', () => {
  it('prints a dry run\'s delete preview and a job\'s deletions', () => {
    const report = dryRunReport({
      job_id: 'm',
      object_count: 1,
      total_bytes: 10,
      runs: [
        {
          run: 0,
          status: 'dry_run',
          delete_phase: { status: 'would_stop', candidates: 3, candidate_bytes: 2048, destination_objects: 4, source_objects: 1, note: 'max_delete exceeded: 3 of 4', keys: ['a', 'b', 'c'] },
        },
      ],
    } as unknown as Job__Output);
    assert.match(report, /delete phase \(delete_extraneous\): 3 extraneous objects \(2\.0 KiB\) of 4 destination objects in the selection; would stop the run before deleting/);
    assert.match(report, /max_delete exceeded: 3 of 4/);
    assert.match(report, /first 3 extraneous keys:\n {2}a\n {2}b\n {2}c/);
    const detail = jobDetail({
      job_id: 'm',
      status: 'completed',
      run: 1,
      delete_extraneous: true,
      max_delete: '5%',
      progress: { deleted_objects: 2, deleted_bytes: 7 },
      runs: [{ run: 1, status: 'completed', counts: { deleted_objects: 2 }, delete_phase: { status: 'completed', candidates: 2 } }],
    } as unknown as Job__Output);
    assert.match(detail, /mirror\s+delete_extraneous, max_delete 5%/);
    assert.match(detail, /deleted\s+2 \(7 B\) of 2 extraneous, delete phase completed/);
    assert.match(detail, /DELETED/);
  });
});

describe('a mirror plan whose append was cut short', () => {
  const ID = 'cut';
  const now = '2026-01-01T00:00:00.000Z';
  const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst', delete_extraneous: true, max_delete: '1' };
  const events: JobEvent[] = [
    { type: 'JobCreated', data: { job_id: ID, definition, at: now } },
    { type: 'RunStarted', data: { job_id: ID, run: 1, at: now } },
    { type: 'ListingCompleted', data: { job_id: ID, run: 1, total_objects: 0, total_bytes: 0, at: now } },
  ];
  const plan = (c: { candidates: number; source_objects: number }) => ({ type: 'PlanDeletion' as const, data: { job_id: ID, run: 1, candidate_bytes: 0, destination_objects: 2, ...c }, metadata: { now } });
  const planned = (c: { candidates: number; source_objects: number }): JobEvent => ({ type: 'DeletionPlanned', data: { job_id: ID, run: 1, candidate_bytes: 0, destination_objects: 2, ...c, at: now } });
  const record = { type: 'RecordDeletions' as const, data: { job_id: ID, run: 1, batch: 0, objects: [{ key: 'a', size: 1 }] }, metadata: { now } };

  it('finishes the recorded verdict, whatever the new count says, and never records a deletion under it', () => {
    const emptySource = planned({ candidates: 2, source_objects: 0 });
    given(ID, [...events, emptySource]).when(plan({ candidates: 1, source_objects: 5 })).then([
      { type: 'DeletionCompleted', data: { job_id: ID, run: 1, deleted_objects: 0, deleted_bytes: 0, at: now, note: 'nothing deleted: the source listing was empty, so the 2 destination objects in the selection were kept (set allow_empty_source: true to delete them)' } },
    ]);
    given(ID, [...events, emptySource]).when(record).then([]);
    const tooMany = planned({ candidates: 2, source_objects: 3 });
    given(ID, [...events, tooMany]).when(record).then([]);
    given(ID, [...events, planned({ candidates: 1, source_objects: 3 })]).when(plan({ candidates: 2, source_objects: 3 })).then([]);
  });
});
