import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../libs/log/logger.js';
import { BlockMarking } from '../../services/projector/blockMarking.js';
import { ProjectorState } from '../../services/projector/projectorState.js';

const log = createLogger('silent');

function marking(live: () => boolean, everyBytes = 1000): { marking: BlockMarking; published: Array<[string, number]> } {
  const published: Array<[string, number]> = [];
  return {
    published,
    marking: new BlockMarking(
      async (jobId, atSeq) => void published.push([jobId, atSeq]),
      live,
      log,
      everyBytes,
    ),
  };
}

describe('block marking', () => {
  it('marks after every `everyBytes` of a job\'s folded outcome batches, at the batch that made it due', () => {
    const { marking: m, published } = marking(() => true);
    for (let seq = 1; seq <= 10; seq++) m.outcomesFolded('a', 300, seq);
    assert.deepEqual(published, [['a', 4], ['a', 8]]);
  });

  it('counts each job on its own', () => {
    const { marking: m, published } = marking(() => true);
    m.outcomesFolded('a', 600, 1);
    m.outcomesFolded('b', 600, 2);
    m.outcomesFolded('b', 600, 3);
    m.outcomesFolded('a', 300, 4);
    assert.deepEqual(published, [['b', 3]]);
  });

  it('publishes nothing while replaying history, and counts afresh once live', () => {
    let live = false;
    const { marking: m, published } = marking(() => live);
    m.outcomesFolded('a', 1500, 1);
    live = true;
    m.outcomesFolded('a', 600, 2);
    assert.deepEqual(published, []);
    m.outcomesFolded('a', 600, 3);
    assert.deepEqual(published, [['a', 3]]);
  });

  it('forgets a deleted job', () => {
    const { marking: m, published } = marking(() => true);
    m.outcomesFolded('a', 900, 1);
    m.forget('a');
    m.outcomesFolded('a', 900, 2);
    assert.deepEqual(published, []);
  });
});

describe('where the projector knows a job\'s block markers lie', () => {
  const created = (jobId: string) => ({
    type: 'JobCreated' as const,
    data: { job_id: jobId, definition: { job_id: jobId, source_bucket: 'src', destination_bucket: 'dst', destination_secret_key_sealed: 'v1:x' }, at: '2026-01-01T00:00:00.000Z' },
  });

  it('given markers folded, when a purge below a sequence asks, then it gets that job\'s markers below it, and they are forgotten once deleted', () => {
    const state = new ProjectorState();
    state.apply(created('a'), 1);
    state.blockMarkerFolded('a', 2);
    state.blockMarkerFolded('b', 3);
    state.blockMarkerFolded('a', 5);
    state.blockMarkerFolded('a', 9);
    assert.equal(state.seq, 9, 'a marker moves the fold on');
    assert.deepEqual(state.blockMarkersBelow('a', 9), [2, 5]);
    state.forgetBlockMarkersBelow('a', 9);
    assert.deepEqual(state.blockMarkersBelow('a', 100), [9]);
    assert.deepEqual(state.blockMarkersBelow('b', 100), [3], 'each job\'s own');
  });

  it('given a marker at or below the sequence folded already (a redelivery), then it is not noted twice', () => {
    const state = new ProjectorState();
    state.blockMarkerFolded('a', 4);
    state.blockMarkerFolded('a', 4);
    state.blockMarkerFolded('a', 3);
    assert.deepEqual(state.blockMarkersBelow('a', 100), [4]);
  });

  it('given a snapshot, then a restored projector knows the markers; a snapshot without them is refused (the projector folds from sequence 1)', () => {
    const state = new ProjectorState();
    state.apply(created('a'), 1);
    state.blockMarkerFolded('a', 2);
    const snapshot = JSON.parse(JSON.stringify(state.toSnapshot()));
    assert.deepEqual(ProjectorState.fromSnapshot(snapshot).blockMarkersBelow('a', 100), [2]);
    const { blockMarkers: _older, ...older } = snapshot;
    assert.throws(() => ProjectorState.fromSnapshot(older), /predates the block marker list/);
  });
});
