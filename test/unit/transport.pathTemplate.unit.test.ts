import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePathTemplate } from '../../libs/transport/pathTemplate.js';

const start = compilePathTemplate('/admin/batch/jobs/{job_id}/start');

test('a template lists its variables and matches literal segments exactly', () => {
  assert.deepEqual(start.params, ['job_id']);
  assert.deepEqual(start.match('/admin/batch/jobs/j-1/start'), { ok: true, params: { job_id: 'j-1' } });
  assert.equal(start.match('/admin/batch/jobs/j-1/stop'), undefined);
  assert.equal(start.match('/admin/batch/jobs/j-1'), undefined);
  assert.equal(start.match('/admin/batch/jobs/a/b/start'), undefined);
  assert.equal(start.match('/admin/batch/jobs/j-1/start/'), undefined);
});

test('variables are percent-decoded', () => {
  assert.deepEqual(start.match('/admin/batch/jobs/job%20one/start'), { ok: true, params: { job_id: 'job one' } });
});

test('empty, relative, slash-bearing and malformed variables are refused with the field named', () => {
  for (const raw of ['', '..', '.', '%2e%2E', 'a%2Fb', 'a%2fb', 'a%5Cb', '%zz', 'a%00b']) {
    const m = start.match(`/admin/batch/jobs/${raw}/start`);
    assert.equal(m?.ok, false, raw);
    assert.equal(m.ok ? undefined : m.field, 'job_id');
  }
});

test('{field=*} is a single-segment variable; multi-segment and unsupported forms fail at compile time', () => {
  assert.deepEqual(compilePathTemplate('/jobs/{id=*}').match('/jobs/x'), { ok: true, params: { id: 'x' } });
  assert.throws(() => compilePathTemplate('/jobs/{id=**}'));
  assert.throws(() => compilePathTemplate('/jobs/{id=jobs/*}'));
  assert.throws(() => compilePathTemplate('/jobs/**'));
  assert.throws(() => compilePathTemplate('jobs/{id}'));
  assert.throws(() => compilePathTemplate('/jobs/{id}/{id}'));
});
