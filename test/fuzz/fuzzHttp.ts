/**
 * Differential fuzz target (make fuzz-http): Ferry's HTTP/1.1 response parser against llhttp.
 *
 *   node dist/test/fuzz/fuzzHttp.js [--seed S] [--count N] [--from I] [--concurrency C]
 *
 * Prints each case the two read differently (its seed and index, which regenerate it, the bytes
 * and cuts as JSON, and both readings) and exits 1 if there was any.
 */
import { outcomeJson } from './httpDifferential.js';
import { runDifferential } from './differentialRun.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};
const seed = option('--seed', 1);
const count = option('--count', 100_000);

const summary = await runDifferential(seed, count, {
  from: option('--from', 0),
  concurrency: option('--concurrency', 16),
  onCase: (done) => {
    if (done % 10_000 === 0) console.error(`${done} cases`);
  },
});
for (const d of summary.disagreements) {
  console.log(JSON.stringify({ seed: d.seed, index: d.index, bytes: d.fuzzCase.bytes.toString('latin1'), cuts: d.fuzzCase.cuts, ferry: outcomeJson(d.ferry), node: outcomeJson(d.node) }));
}
console.log(
  `seed ${seed}: ${summary.cases} cases in ${summary.seconds.toFixed(1)} s, ${summary.accepted} accepted by both, ` +
    `${summary.cases - summary.accepted - summary.disagreements.length} refused by both, ${summary.disagreements.length} read differently`,
);
process.exitCode = summary.disagreements.length > 0 ? 1 : 0;
