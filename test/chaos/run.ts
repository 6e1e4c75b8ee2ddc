/**
 * The reliability suite: `make test-chaos` (or `node dist/test/chaos/run.js [--objects N]
 * [--scenarios a,b] [--seed S] [--repeat R] [--verbose]`; --repeat runs each scenario R times). Runs each scenario in a fresh world, prints a table
 * (scenario | objects | result | lost | duplicated | time | notes) and exits 1 if any failed.
 */
import { parseArgs } from 'node:util';
import { runScenario, SCENARIOS, type ScenarioResult } from './scenarios.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '5000' },
    scenarios: { type: 'string', default: Object.keys(SCENARIOS).join(',') },
    seed: { type: 'string', default: '42' },
    repeat: { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
  },
});
const objects = Number(values.objects);
const seed = Number(values.seed);
const repeat = Number(values.repeat);
const names = values.scenarios!.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = names.filter((n) => !SCENARIOS[n]);
if (!Number.isInteger(objects) || objects < 1 || unknown.length > 0 || !Number.isInteger(seed) || !Number.isInteger(repeat) || repeat < 1) {
  process.stderr.write(`usage: run.js [--objects N] [--scenarios ${Object.keys(SCENARIOS).join(',')}] [--seed S] [--repeat R] [--verbose]\n`);
  if (unknown.length) process.stderr.write(`unknown scenarios: ${unknown.join(', ')}\n`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const results: ScenarioResult[] = [];
for (const name of names.flatMap((n) => Array.from({ length: repeat }, () => n))) {
  log(`running ${name} (${objects} objects, seed ${seed})...`);
  const result = await runScenario(name, { objects, seed, log });
  results.push(result);
  log(`${name}: ${result.ok ? 'ok' : 'FAIL'} in ${result.seconds.toFixed(1)} s${result.problems.length ? `: ${result.problems.join('; ')}` : ''}`);
}

const rows = [
  ['scenario', 'objects', 'result', 'lost', 'duplicated', 'time', 'notes'],
  ...results.map((r) => [
    r.scenario,
    String(r.objects),
    r.ok ? 'ok' : 'FAIL',
    r.lost === undefined ? '-' : String(r.lost),
    String(r.duplicated),
    `${r.seconds.toFixed(1)} s`,
    [...r.problems.map((p) => `PROBLEM: ${p}`), ...r.notes].join('; '),
  ]),
];
const widths = rows[0]!.map((_, i) => (i === 6 ? 0 : Math.max(...rows.map((row) => row[i]!.length))));
const line = (row: string[]) => `| ${row.map((cell, i) => (i === 6 ? cell : cell.padEnd(widths[i]!))).join(' | ')} |`;
process.stdout.write(`\n${line(rows[0]!)}\n|${widths.map((w, i) => '-'.repeat(i === 6 ? 5 : w + 2)).join('|')}|\n${rows.slice(1).map(line).join('\n')}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
