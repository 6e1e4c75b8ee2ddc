/**
 * The property every XML read keeps: given any bytes, it returns or throws an S3Error, nothing
 * else; given a valid answer, it returns exactly what the answer says.
 */
import { isDeepStrictEqual } from 'node:util';
import { S3Error } from '../../libs/s3/s3Error.js';
import {
  embeddedError,
  errorFromBody,
  readAssumeRoleCredentials,
  readCopyPartEtag,
  readErrorFields,
  readListPage,
  readTags,
  readUploadId,
} from '../../libs/s3/responseDocuments.js';
import { mutate } from './mutations.js';
import { Draw, s3Document, type GeneratedDocument } from './s3Documents.js';

export interface FuzzFailure {
  caseSeed: number;
  stage: 'valid' | 'mutated';
  reader: string;
  problem: string;
  input: Buffer;
}

/** Every read, each given the body as the caller has it. */
const READERS: ReadonlyArray<[string, (body: Buffer) => unknown]> = [
  ['readListPage', (b) => readListPage(b.toString('utf8'))],
  ['readErrorFields', (b) => readErrorFields(b.toString('utf8'))],
  ['errorFromBody', (b) => errorFromBody(503, b)],
  ['embeddedError', (b) => embeddedError(200, b)],
  ['readTags', (b) => readTags(b.toString('utf8'))],
  ['readUploadId', (b) => readUploadId(b.toString('utf8'))],
  ['readCopyPartEtag', (b) => readCopyPartEtag(b.toString('utf8'))],
  ['readAssumeRoleCredentials', (b) => readAssumeRoleCredentials(b.toString('utf8'))],
];

/** Reads that never throw at all: an error answer is classified whatever its body. */
const NEVER_THROW = new Set(['readErrorFields', 'errorFromBody', 'embeddedError']);

/** A read that takes this long on a small document is a quadratic (or worse) path. */
const SLOW_MS = 1_000;

function describeThrown(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : `non-error ${String(err)}`;
}

/** What the valid document's reading gave, when it is not what was generated. */
function roundTripProblem(doc: GeneratedDocument, body: Buffer): { reader: string; problem: string } | undefined {
  const text = body.toString('utf8');
  const { expected } = doc;
  let reader: string;
  let got: unknown;
  try {
    switch (expected.kind) {
      case 'listPage': reader = 'readListPage'; got = readListPage(text); break;
      case 'error': {
        reader = 'errorFromBody';
        const err = errorFromBody(404, body);
        if (err.code !== expected.value.code) return { reader, problem: `code ${JSON.stringify(err.code)}, generated ${JSON.stringify(expected.value.code)}` };
        reader = 'readErrorFields';
        got = readErrorFields(text);
        break;
      }
      case 'tags': reader = 'readTags'; got = readTags(text); break;
      case 'uploadId': reader = 'readUploadId'; got = readUploadId(text); break;
      case 'copyPartEtag': reader = 'readCopyPartEtag'; got = readCopyPartEtag(text); break;
      case 'copyObject': reader = 'embeddedError'; got = embeddedError(200, body); break;
      case 'credentials': reader = 'readAssumeRoleCredentials'; got = readAssumeRoleCredentials(text); break;
    }
  } catch (err) {
    return { reader: expected.kind, problem: `threw ${describeThrown(err)}` };
  }
  if (isDeepStrictEqual(got, expected.value)) return undefined;
  return { reader, problem: `read ${JSON.stringify(got)}, generated ${JSON.stringify(expected.value)}` };
}

function readProblem(name: string, read: (body: Buffer) => unknown, body: Buffer): string | undefined {
  const started = performance.now();
  try {
    const value = read(body);
    if (name === 'errorFromBody' && !(value instanceof S3Error)) return `returned ${String(value)}, not an S3Error`;
  } catch (err) {
    if (NEVER_THROW.has(name)) return `threw ${describeThrown(err)}`;
    if (!(err instanceof S3Error)) return `threw ${describeThrown(err)}`;
    if (err.code !== 'MalformedResponse' && err.code !== 'InvalidResponse') return `threw S3Error ${err.code}, not a malformed-answer code`;
  }
  const took = performance.now() - started;
  return took > SLOW_MS ? `took ${took.toFixed(0)} ms` : undefined;
}

/** One case: a generated answer read as is, then mutated and read by every reader. */
export function checkCase(caseSeed: number): FuzzFailure | undefined {
  const d = new Draw(caseSeed);
  const doc = s3Document(d);
  const body = Buffer.from(doc.xml, 'utf8');
  const roundTrip = roundTripProblem(doc, body);
  if (roundTrip) return { caseSeed, stage: 'valid', ...roundTrip, input: body };
  const mutated = mutate(d, body);
  for (const [name, read] of READERS) {
    const problem = readProblem(name, read, mutated);
    if (problem) return { caseSeed, stage: 'mutated', reader: name, problem, input: mutated };
  }
  return undefined;
}

/** The seeds of a run's cases: drawn from the run's seed, so `--case` replays one alone. */
export function* caseSeeds(seed: number, count: number): Generator<number> {
  const d = new Draw(seed);
  for (let i = 0; i < count; i++) yield d.below(2 ** 32);
}

export function describeFailure(f: FuzzFailure): string {
  const text = f.input.toString('utf8');
  return [
    `case seed ${f.caseSeed} (${f.stage} document, ${f.reader}): ${f.problem}`,
    `input (${f.input.length} bytes, as UTF-8): ${JSON.stringify(text.length > 4000 ? `${text.slice(0, 4000)}…` : text)}`,
    `input bytes (base64): ${f.input.toString('base64')}`,
  ].join('\n');
}
