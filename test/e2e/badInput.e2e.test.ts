import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_TOKEN, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';

const VALID = { job_id: 'ok-job', source_bucket: 'src', destination_bucket: 'dst' };

/** Every bad create request is answered 4xx with a JSON error naming the field, and nothing is written. */
describe('bad input over REST against a real control', () => {
  let env: TestEnv;
  let control: FerryProcess;
  let projector: FerryProcess;

  before(async () => {
    env = await startTestEnv('bad-input', 1);
    projector = await startFerry('projector', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
    control = await startFerry('control', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  });

  after(async () => {
    await control?.stop();
    await projector?.stop();
    await env?.stop();
  });

  async function raw(body: string, contentType: string | undefined) {
    const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}` };
    if (contentType) headers['content-type'] = contentType;
    const res = await fetch(`http://127.0.0.1:${control.httpPort}/admin/batch/jobs`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as { error: { code: number; message: string; details: Array<{ field?: string }> } } };
  }

  async function assertNothingWritten(jobId: string) {
    assert.equal((await rest(control.httpPort!, 'GET', `/admin/batch/jobs/${encodeURIComponent(jobId)}`)).status, 404, `${jobId} must not exist`);
  }

  const mentions = (body: { error: { message: string; details?: Array<{ field?: string }> } }, field: string) =>
    body.error.message.includes(field) || (body.error.details ?? []).some((d) => d.field === field);

  it('refuses malformed JSON, a wrong content type and a body over 1 MiB', async () => {
    const malformed = await raw('{"job_id": "j1", ', 'application/json');
    assert.equal(malformed.status, 400);
    assert.ok(malformed.body.error.message.length > 0);
    const wrongType = await raw(JSON.stringify({ ...VALID, job_id: 'j2' }), 'text/plain');
    assert.ok(wrongType.status === 415 || wrongType.status === 400, String(wrongType.status));
    assert.ok(mentions(wrongType.body, 'content-type'), JSON.stringify(wrongType.body));
    await assertNothingWritten('j2');
    const huge = await raw(JSON.stringify({ ...VALID, job_id: 'j3', description: 'x'.repeat(1024 * 1024 + 10) }), 'application/json');
    assert.equal(huge.status, 413);
    await assertNothingWritten('j3');
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown field', { colour: 'blue' }, 'colour'],
    ['missing source_bucket', { source_bucket: undefined }, 'source_bucket'],
    ['empty destination_bucket', { destination_bucket: '' }, 'destination_bucket'],
    ['job_id with a space', { job_id: 'bad id' }, 'job_id'],
    ['job_id starting with a dot', { job_id: '.hidden' }, 'job_id'],
    ['job_id too long', { job_id: 'a'.repeat(129) }, 'job_id'],
    ['same bucket on the same endpoint', { destination_bucket: 'src' }, 'destination_bucket'],
    ['invalid bucket name', { source_bucket: 'Bad_Bucket' }, 'source_bucket'],
    ['short bucket name', { destination_bucket: 'ab' }, 'destination_bucket'],
    ['min_size over max_size', { min_size: 10, max_size: 5 }, 'min_size'],
    ['negative min_size', { min_size: -1 }, 'min_size'],
    ['negative max_size', { max_size: -5 }, 'max_size'],
    ['unparseable date', { created_after: 'yesterday' }, 'created_after'],
    ['inverted dates', { created_after: '2026-02-01T00:00:00Z', created_before: '2026-01-01T00:00:00Z' }, 'created_after'],
    ['concurrency 0', { concurrency: 0 }, 'concurrency'],
    ['concurrency 1001', { concurrency: 1001 }, 'concurrency'],
    ['negative rate limit', { rate_limit_bytes_per_sec: -1 }, 'rate_limit_bytes_per_sec'],
    ['unknown retry_backoff', { retry_backoff: 'sideways' }, 'retry_backoff'],
    ['malformed duration', { retry_delay: 'five seconds' }, 'retry_delay'],
    ['ftp endpoint', { destination_endpoint: 'ftp://example.com', destination_access_key: 'a', destination_secret_key: 'b' }, 'destination_endpoint'],
    ['non-http webhook', { notification_webhook: 'file:///etc/passwd' }, 'notification_webhook'],
    ['notify_on a non-state', { notify_on: ['completed', 'exploded'] }, 'notify_on'],
    ['concurrency as a string', { concurrency: 'many' }, 'concurrency'],
  ];

  for (const [name, change, field] of cases) {
    it(`refuses ${name}, naming ${field}`, async () => {
      const jobId = typeof change.job_id === 'string' ? change.job_id : `bad-${name.replace(/[^a-z0-9]+/gi, '-')}`;
      const body: Record<string, unknown> = { ...VALID, job_id: jobId, ...change };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const res = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(typeof res.body.error?.message, 'string');
      assert.ok(mentions(res.body, field), `error names ${field}: ${JSON.stringify(res.body)}`);
      if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(jobId)) await assertNothingWritten(jobId);
    });
  }

  it('refuses a duplicate job_id with 409 and leaves the first definition alone', async () => {
    const first = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { ...VALID, job_id: 'dup', description: 'first' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const again = await rest(control.httpPort!, 'POST', '/admin/batch/jobs', { ...VALID, job_id: 'dup', description: 'second' });
    assert.equal(again.status, 409);
    assert.ok(mentions(again.body, 'job_id'), JSON.stringify(again.body));
    const stored = await rest(control.httpPort!, 'GET', '/admin/batch/jobs/dup');
    assert.equal(stored.body.description, 'first');
  });

  it('lists only the one job that was valid', async () => {
    // The list is the projector's read model: wait until it shows the valid job, then nothing else may be there.
    const jobs = await waitFor('dup listed', async () => {
      const list = await rest(control.httpPort!, 'GET', '/admin/batch/jobs');
      return list.status === 200 && list.body.jobs?.length ? (list.body.jobs as Array<{ job_id: string }>) : undefined;
    }, 120_000);
    assert.deepEqual(jobs.map((j) => j.job_id), ['dup']);
  });

  it('answers unknown and malformed job ids on the job routes', async () => {
    assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs/no-such-job')).status, 404);
    assert.equal((await rest(control.httpPort!, 'POST', '/admin/batch/jobs/no-such-job/start')).status, 404);
    assert.equal((await rest(control.httpPort!, 'GET', '/admin/batch/jobs/no-such-job/failed')).status, 404);
    const badPage = await rest(control.httpPort!, 'GET', '/admin/batch/jobs/dup/failed?page_token=zzz');
    assert.equal(badPage.status, 400);
    assert.ok(mentions(badPage.body, 'page_token'));
    const badStatus = await rest(control.httpPort!, 'GET', '/admin/batch/jobs?status=sleeping');
    assert.equal(badStatus.status, 400);
    assert.ok(mentions(badStatus.body, 'status'));
  });
});
