import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../libs/log/logger.js';
import { BlockMarking } from '../../services/projector/blockMarking.js';

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
