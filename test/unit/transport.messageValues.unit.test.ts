import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FerryError } from '../../libs/domain/errors.js';
import { jsonDepth, parseJson } from '../../libs/transport/httpBody.js';
import { HttpError } from '../../libs/transport/httpErrors.js';
import { loadFerryProto } from '../../libs/transport/loadProto.js';
import { jsonToMessage, sanitizeMessage } from '../../libs/transport/messageValues.js';
import { buildRequestMessage } from '../../libs/transport/requestMessage.js';

const proto = loadFerryProto();
const schema = proto.schema;

function refusedField(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FerryError && err.code === 'INVALID_ARGUMENT') return err.details[0]?.field;
    throw err;
  }
  assert.fail('expected INVALID_ARGUMENT');
}

test('a well-typed JobSpec passes through; null means absent', () => {
  const spec = { job_id: 'j', min_size: 5, tags: { env: 'prod' }, notify_on: ['failed'], description: null };
  assert.deepEqual(jsonToMessage(schema, 'ferry.v1.JobSpec', spec), { job_id: 'j', min_size: 5, tags: { env: 'prod' }, notify_on: ['failed'] });
});

test('unknown and wrongly typed fields are refused with the field named, nested ones too', () => {
  const t = (v: unknown) => refusedField(() => jsonToMessage(schema, 'ferry.v1.JobSpec', v));
  assert.equal(t({ jobId: 'j' }), 'jobId');
  assert.equal(t({ min_size: '5' }), 'min_size');
  assert.equal(t({ min_size: 1.5 }), 'min_size');
  assert.equal(t({ concurrency: 2 ** 31 }), 'concurrency');
  assert.equal(t({ min_size: 2 ** 60 }), 'min_size');
  assert.equal(t({ job_id: { a: 1 } }), 'job_id');
  assert.equal(t({ tags: { env: 1 } }), 'tags.env');
  assert.equal(t({ tags: ['a'] }), 'tags');
  assert.equal(t({ notify_on: 'failed' }), 'notify_on');
  assert.equal(t({ notify_on: ['ok', 3] }), 'notify_on[1]');
  assert.equal(t([]), 'body');
  const job = (v: unknown) => refusedField(() => jsonToMessage(schema, 'ferry.v1.Job', v));
  assert.equal(job({ progress: { total_objects: 'x' } }), 'progress.total_objects');
  assert.equal(job({ progress: { bogus: 1 } }), 'progress.bogus');
  assert.equal(job({ runs: [{ counts: { nope: 1 } }] }), 'runs[0].counts.nope');
});

test('a "__proto__" map key stays a plain key', () => {
  const msg = jsonToMessage(schema, 'ferry.v1.JobSpec', JSON.parse('{"tags":{"__proto__":"x"}}')) as { tags: Record<string, string> };
  assert.equal(Object.getPrototypeOf(msg.tags), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(msg.tags, '__proto__')?.value, 'x');
});

test('sanitizeMessage drops oneof discriminators, empty repeated/map fields and undeclared keys, recursively', () => {
  const raw = { job_id: 'j', _description: 'description', description: 'd', tags: {}, notify_on: [], runs: [{ run: 1, _error: 'error' }], junk: 1 };
  assert.deepEqual(sanitizeMessage(schema, 'ferry.v1.Job', raw), { job_id: 'j', description: 'd', runs: [{ run: 1 }] });
});

test('the request message comes from path, query and body', () => {
  const route = (rpc: string) => proto.methods.find((m) => m.rpc.name === rpc)!;
  const list = buildRequestMessage(schema, route('ListJobs'), {}, new URLSearchParams('page_size=10&status=running'), undefined);
  assert.deepEqual(list, { page_size: 10, status: 'running' });
  const field = (q: string, rpc = 'ListJobs', params = {}) => refusedField(() => buildRequestMessage(schema, route(rpc), params, new URLSearchParams(q), undefined));
  assert.equal(field('page_size=ten'), 'page_size');
  assert.equal(field('page_size=1&page_size=2'), 'page_size');
  assert.equal(field('nope=1'), 'nope');
  assert.equal(field('job_id=other', 'ListFailedObjects', { job_id: 'j' }), 'job_id');
  const create = buildRequestMessage(schema, route('CreateJob'), {}, new URLSearchParams(), { job_id: 'j' });
  assert.deepEqual(create, { job_id: 'j' });
  assert.equal(refusedField(() => buildRequestMessage(schema, route('CreateJob'), {}, new URLSearchParams('x=1'), {})), 'x');
  const page = buildRequestMessage(schema, route('ListFailedObjects'), { job_id: 'j' }, new URLSearchParams('page_size=5'), undefined);
  assert.deepEqual(page, { page_size: 5, job_id: 'j' });
});

test('JSON bodies: depth counted outside strings, depth > 32 and invalid UTF-8 refused', () => {
  assert.equal(jsonDepth('{"a":[1,{"b":"[[[["}]}'), 3);
  assert.deepEqual(parseJson(Buffer.from(`${'['.repeat(32)}${']'.repeat(32)}`)), JSON.parse(`${'['.repeat(32)}${']'.repeat(32)}`));
  assert.throws(() => parseJson(Buffer.from(`${'['.repeat(33)}${']'.repeat(33)}`)), (e) => e instanceof HttpError && e.httpStatus === 400);
  assert.throws(() => parseJson(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])), (e) => e instanceof HttpError && /UTF-8/.test(e.message));
  assert.throws(() => parseJson(Buffer.from('{"a":')), (e) => e instanceof HttpError && e.httpStatus === 400);
});
