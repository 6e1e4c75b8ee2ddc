import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScenario, SCENARIOS } from './scenarios.js';

/**
 * The CI-sized reliability suite: every scenario of `make test-chaos` over 500 objects (the full
 * suite runs them over 5,000). Each checks what it is about itself (nothing lost, nothing counted
 * twice, the reason a run failed, a secret nowhere...) and reports problems; a scenario passes with none.
 * The runs that the destination breaker ends are repeated with other seeds: whether a run stops early
 * must not depend on how copiers and outcome batches happen to interleave.
 */
const OBJECTS = 500;
const BREAKER_REPEATS = 4;
/** Under the test's own timeout, so that a scenario stuck somewhere reports the step and every process's last lines. */
const SCENARIO_DEADLINE_MS = 240_000;

async function passes(name: string, seed: number): Promise<string[]> {
  const lines: string[] = [];
  const result = await runScenario(name, { objects: OBJECTS, seed, log: (line) => lines.push(line), deadlineMs: SCENARIO_DEADLINE_MS });
  assert.deepEqual(result.problems, [], `${result.problems.join('\n')}\n${lines.join('\n').slice(-6000)}`);
  assert.equal(result.ok, true);
  assert.equal(result.duplicated, 0);
  if (result.lost !== undefined) assert.equal(result.lost, 0);
  return result.notes;
}

describe('reliability suite (CI size)', () => {
  for (const [index, name] of Object.keys(SCENARIOS).entries()) {
    it(`${name}: passes over ${OBJECTS} objects`, { timeout: 300_000 }, async () => {
      const notes = await passes(name, 3 + 2 * index);
      if (name.startsWith('kill-') || name === 'copier-lost') assert.ok(notes.some((n) => n.includes('killed')), `the service was killed: ${notes.join('; ')}`);
    });
  }

  for (const name of ['denied-destination', 'destination-full']) {
    it(`${name}: the breaker ends the run early in ${BREAKER_REPEATS} more runs`, { timeout: 300_000 }, async () => {
      for (let seed = 101; seed < 101 + BREAKER_REPEATS; seed++) {
        const notes = await passes(name, seed);
        assert.ok(notes.some((n) => /error: destination (refused writes|full): /.test(n)), `seed ${seed}: ${notes.join('; ')}`);
      }
    });
  }
});
