import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScenario } from './scenarios.js';

/**
 * The CI-sized reliability suite: the fastest crash scenarios of `make test-chaos` over 500 objects
 * (the full suite runs every scenario over 5,000). Each SIGKILLs one service at a seeded moment
 * of a cross-cluster job and starts it again; the job must complete with every object
 * byte-identical at the destination and nothing counted twice. Then a destination that fills up
 * mid-job: the run must fail at once with the reason.
 */
describe('reliability suite (small)', () => {
  for (const [name, seed] of [['kill-copier', 3], ['kill-projector', 5], ['kill-lister', 7]] as const) {
    it(`${name}: the job completes, nothing lost, nothing counted twice`, { timeout: 120_000 }, async () => {
      const lines: string[] = [];
      const result = await runScenario(name, { objects: 500, seed, log: (line) => lines.push(line) });
      assert.deepEqual(result.problems, [], `${result.problems.join('\n')}\n${lines.join('\n').slice(-6000)}`);
      assert.equal(result.ok, true);
      assert.equal(result.lost, 0);
      assert.equal(result.duplicated, 0);
      assert.ok(result.notes.some((n) => n.includes('killed')), `the service was killed: ${result.notes.join('; ')}`);
    });
  }

  it('destination-full: the job fails fast with the reason, no retries, every object reported copied is intact', { timeout: 120_000 }, async () => {
    const lines: string[] = [];
    const result = await runScenario('destination-full', { objects: 500, seed: 11, log: (line) => lines.push(line) });
    assert.deepEqual(result.problems, [], `${result.problems.join('\n')}\n${lines.join('\n').slice(-6000)}`);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.ok(result.notes.some((n) => n.includes('error: destination full: XMinioStorageFull')), result.notes.join('; '));
  });
});
