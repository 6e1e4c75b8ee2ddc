/**
 * Fuzzes every XML read (libs/s3/responseDocuments.ts) with generated and mutated S3 and STS
 * answers: `make fuzz-xml FUZZ_ARGS='--seed 7 --count 100000'`; `--case <seed>` replays one case.
 * Prints each failing case's seed and input and exits 1 when any failed.
 */
import { parseArgs } from 'node:util';
import { caseSeeds, checkCase, describeFailure, type FuzzFailure } from './xmlProperty.js';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, count: { type: 'string', default: '100000' }, case: { type: 'string' } } });

const started = performance.now();
const failures: FuzzFailure[] = [];
let cases = 0;
const seeds = values.case !== undefined ? [Number(values.case)] : caseSeeds(Number(values.seed), Number(values.count));
for (const caseSeed of seeds) {
  cases++;
  const failure = checkCase(caseSeed);
  if (failure) {
    failures.push(failure);
    console.log(describeFailure(failure));
    if (failures.length >= 20) break;
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`${cases} cases, seed ${values.seed}, ${failures.length} failed, ${seconds.toFixed(1)} s`);
process.exitCode = failures.length > 0 ? 1 : 0;
