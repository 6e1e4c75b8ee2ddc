import { Responder, compareCase, type Outcome } from './httpDifferential.js';
import { caseRandom, fuzzCase, type FuzzCase } from './httpResponses.js';

export interface Disagreement {
  ferry: Outcome;
  node: Outcome;
  seed: number;
  index: number;
  fuzzCase: FuzzCase;
}

export interface RunSummary {
  cases: number;
  /** Cases both clients accepted (the rest both refused, or are among the disagreements). */
  accepted: number;
  disagreements: Disagreement[];
  seconds: number;
}

/** Compares cases `from`…`from + count - 1` of run `seed`, `concurrency` at a time. */
export async function runDifferential(seed: number, count: number, options: { from?: number; concurrency?: number; onCase?: (done: number) => void } = {}): Promise<RunSummary> {
  const from = options.from ?? 0;
  const responder = await Responder.start();
  const started = process.hrtime.bigint();
  const disagreements: Disagreement[] = [];
  let accepted = 0;
  let next = from;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: options.concurrency ?? 16 }, async () => {
        while (next < from + count) {
          const index = next++;
          const generated = fuzzCase(caseRandom(seed, index));
          const { ferry, node, agree } = await compareCase(responder, generated);
          if (!agree) disagreements.push({ seed, index, fuzzCase: generated, ferry, node });
          else if (ferry.accepted) accepted++;
          options.onCase?.(++done);
        }
      }),
    );
  } finally {
    await responder.close();
  }
  return { cases: count, accepted, disagreements, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
