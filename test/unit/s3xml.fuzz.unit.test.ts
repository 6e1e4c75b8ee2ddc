import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { caseSeeds, checkCase, describeFailure } from '../fuzz/xmlProperty.js';

/** `make fuzz-xml` runs 100,000 cases; these few thousand, from a fixed seed, run with every `make test`. */
const SEED = 20261206;
const CASES = 3_000;

describe('every XML read, fuzzed (test/fuzz)', () => {
  it(`reads ${CASES} generated answers exactly, and their mutations into a value or an S3Error`, () => {
    const failures: string[] = [];
    for (const caseSeed of caseSeeds(SEED, CASES)) {
      const failure = checkCase(caseSeed);
      if (failure) failures.push(describeFailure(failure));
      if (failures.length >= 3) break;
    }
    assert.deepEqual(failures, []);
  });
});
