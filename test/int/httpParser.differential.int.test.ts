import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeJson } from '../fuzz/httpDifferential.js';
import { runDifferential } from '../fuzz/differentialRun.js';

/**
 * Ferry's HTTP/1.1 client reads generated and mutated responses as node:http's llhttp does:
 * refused by both, or the same status, headers and body. `make fuzz-http` runs 100,000 cases;
 * this runs a few thousand on fixed seeds.
 */
describe('HTTP/1.1 response parser against llhttp', () => {
  for (const seed of [20_231, 8]) {
    it(`reads 2,000 responses of seed ${seed} as node:http does`, async () => {
      const summary = await runDifferential(seed, 2_000);
      const shown = summary.disagreements.slice(0, 5).map((d) => ({ index: d.index, bytes: d.fuzzCase.bytes.toString('latin1'), cuts: d.fuzzCase.cuts, ferry: outcomeJson(d.ferry), node: outcomeJson(d.node) }));
      assert.deepEqual(shown, [], `${summary.disagreements.length} of ${summary.cases} cases read differently`);
      // The cases exercise both sides: neither nearly all refused nor nearly all accepted.
      assert.ok(summary.accepted > summary.cases / 10 && summary.accepted < (summary.cases * 9) / 10, `${summary.accepted} of ${summary.cases} accepted`);
    });
  }
});
