import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { TEST_TOKEN, startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { launchChromium, openConsolePage, type ConsolePage } from '../harness/browser.js';
import { rest, waitForJob } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';

const READ_TOKEN = 'console-read-token-0123456789';
/** How long a page may take to show what the server already pushed or answered. */
const SHOWN_MS = 60_000;

/**
 * The web console in a real headless Chromium against a running Ferry (every service, NATS, s3rver), used
 * as a person would: sign in, fill the form, click, read the page. One Ferry serves every test of the file.
 * Each test leaves a screenshot under test-output/console/.
 */
describe('web console in Chromium', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let proxy: FaultProxy;
  let browser: Browser;
  let base: string;
  const opened: ConsolePage[] = [];

  before(async () => {
    env = await startTestEnv('console', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(source, 'dst');
    const remote = testS3Client(env.s3[1]!.endpoint);
    for (const bucket of ['remote', 'failing']) await createBucket(remote, bucket);
    await putObjects(source, 'src', Array.from({ length: 30 }, (_, i) => ({ key: `photos/${String(i).padStart(3, '0')}.jpg`, body: randomBytes(64 * 1024 + i) })));
    proxy = await startFaultProxy(env.s3[1]!.endpoint);
    ferry = await startFerry('all', {
      natsUrl: env.nats.url,
      sourceEndpoint: env.s3[0]!.endpoint,
      dataDir: join(env.dir, 'ferry'),
      extraEnv: { FERRY_READ_TOKEN: READ_TOKEN },
    });
    base = `http://127.0.0.1:${ferry.httpPort}`;
    browser = await launchChromium();
  });

  after(async () => {
    for (const p of opened) await p.close();
    await browser?.close();
    await ferry?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  const api = (method: string, path: string, body?: unknown) => rest(ferry.httpPort!, method, path, body);

  async function open(): Promise<ConsolePage> {
    const page = await openConsolePage(browser);
    opened.push(page);
    return page;
  }

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${base}/console/`);
    await page.getByTestId('token').fill(token);
    await page.getByTestId('signin').click();
    await page.getByTestId('identity').waitFor({ timeout: SHOWN_MS });
  }

  async function confirm(page: Page, action: string): Promise<void> {
    await page.getByTestId(`action-${action}`).click();
    await page.getByTestId('confirm-yes').click();
  }

  async function statusIs(page: Page, status: string): Promise<void> {
    await page.locator('.job .toolbar [data-testid=status]', { hasText: new RegExp(`^${status}`) }).waitFor({ timeout: SHOWN_MS });
  }

  /** A job whose destination is the fault proxy in front of the second s3rver. */
  async function remoteJob(jobId: string, bucket: string, extra: object = {}): Promise<void> {
    const created = await api('POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: 'src',
      destination_bucket: bucket,
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      ...extra,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  }

  it('serves the build under /console/ with a CSP, cache headers and no inline script', async () => {
    const redirect = await fetch(`${base}/console`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/console/');
    const index = await fetch(`${base}/console/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing from another origin');
    const script = /src="(assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${base}/console/${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
    const again = await fetch(`${base}/console/${script}`, { headers: { 'if-none-match': asset.headers.get('etag')! } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${base}/console/assets/nothing.js`)).status, 404);
    assert.equal((await fetch(`${base}/console/`, { method: 'POST' })).status, 405);
  });

  it('signs in with a token kept in sessionStorage only, and refuses a wrong one saying so', async () => {
    const { page, problems, screenshot } = await open();
    await page.goto(`${base}/console/`);
    await page.getByTestId('token').fill('not-a-token-of-this-ferry');
    await page.getByTestId('signin').click();
    await page.getByTestId('signin-error').waitFor({ timeout: SHOWN_MS });
    assert.match(await page.getByTestId('signin-error').innerText(), /not accepted/);
    await screenshot('sign-in-refused');

    await page.getByTestId('token').fill(TEST_TOKEN);
    await page.getByTestId('signin').click();
    await page.getByTestId('jobs-table').waitFor({ timeout: SHOWN_MS });
    assert.equal(await page.getByTestId('identity').innerText(), 'admin · admin');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('ferry.token')), TEST_TOKEN);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.deepEqual(await page.context().cookies(), []);
    assert.ok(!page.url().includes(TEST_TOKEN), 'the token is not in the URL');
    await screenshot('jobs-signed-in');
    assert.deepEqual(problems, []);
  });

  it('sends an expired or revoked token back to sign-in with a clear message', async () => {
    const { page, problems, screenshot } = await open();
    await signIn(page, TEST_TOKEN);
    // What a token revoked while the tab was open looks like: the next call is answered 401.
    await page.evaluate(() => sessionStorage.setItem('ferry.token', 'revoked-token-0123456789'));
    await page.reload();
    await page.getByTestId('signin-error').waitFor({ timeout: SHOWN_MS });
    assert.match(await page.getByTestId('signin-error').innerText(), /refused the token .*expired or been revoked/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('ferry.token')), null);
    await screenshot('sign-in-expired');
    assert.deepEqual(problems, []);
  });

  it('creates a job through the form after its dry-run preview, then shows it reach 100% without reloading or polling', async () => {
    const { page, problems, screenshot } = await open();
    await signIn(page, TEST_TOKEN);
    await page.getByTestId('new-job').click();
    await page.getByTestId('field-job_id').fill('console nightly');
    await page.getByTestId('field-source_bucket').fill('src');
    await page.getByTestId('field-prefix').fill('photos/');
    await page.getByTestId('field-destination_bucket').fill('dst');
    await page.getByTestId('field-concurrency').fill('4');
    await page.getByTestId('preview').click();
    // The API's refusal, shown at the field it names.
    await page.getByTestId('error-job_id').waitFor({ timeout: SHOWN_MS });
    assert.match(await page.getByTestId('error-job_id').innerText(), /must match/);
    assert.ok(await page.getByTestId('create').isDisabled(), 'nothing to create before a preview passes');
    await screenshot('new-job-refused');

    await page.getByTestId('field-job_id').fill('console-nightly');
    await page.getByTestId('preview').click();
    await page.getByTestId('preview-panel').waitFor({ timeout: SHOWN_MS });
    assert.equal(await page.getByTestId('preview-objects').innerText(), '30');
    assert.match(await page.getByTestId('preview-bytes').innerText(), /MiB/);
    assert.equal(await page.getByTestId('preview-keys').locator('li').count(), 20);
    assert.equal(await page.getByTestId('preview-keys').locator('li').first().innerText(), 'photos/000.jpg');
    assert.equal((await api('GET', '/admin/batch/jobs/console-nightly')).status, 404, 'a preview creates nothing');
    await screenshot('new-job-preview');

    await page.getByTestId('create').click();
    await page.getByTestId('job-id').waitFor({ timeout: SHOWN_MS });
    assert.equal(await page.getByTestId('job-id').innerText(), 'console-nightly');
    await statusIs(page, 'pending');
    await page.evaluate(() => Object.assign(window, { ferryNotReloaded: true }));
    const gets: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/admin/batch/jobs/console-nightly') gets.push(req.method());
    });

    await confirm(page, 'start');
    await statusIs(page, 'completed');
    assert.equal(await page.getByTestId('percent').first().innerText(), '100%');
    assert.equal(await page.getByTestId('completed').innerText(), '30');
    assert.equal(await page.evaluate(() => (window as unknown as { ferryNotReloaded?: boolean }).ferryNotReloaded), true, 'the page was not reloaded');
    assert.deepEqual(gets, [], 'progress came from the watch stream, not from reading the job again');
    await page.getByTestId('run-1').waitFor({ timeout: SHOWN_MS });
    await screenshot('job-completed');
    assert.deepEqual(problems, []);
  });

  it('sends a job that copies every version, and shows the API refusing a destination without versioning at its field', async () => {
    const { page, problems } = await open();
    await signIn(page, TEST_TOKEN);
    await page.getByTestId('new-job').click();
    await page.getByTestId('field-job_id').fill('console-versions');
    await page.getByTestId('field-source_bucket').fill('src');
    await page.getByTestId('field-destination_bucket').fill('dst');
    await page.getByTestId('field-versions').selectOption('all');
    await page.getByTestId('preview').click();
    // s3rver has no bucket versioning: only a job sent with `versions: all` asks for it.
    await page.getByTestId('error-destination_bucket').waitFor({ timeout: SHOWN_MS });
    assert.match(await page.getByTestId('error-destination_bucket').innerText(), /versioning unreadable/);
    assert.ok(await page.getByTestId('create').isDisabled(), 'nothing to create after a refused preview');

    await page.getByTestId('field-versions').selectOption('');
    await page.getByTestId('preview').click();
    await page.getByTestId('preview-panel').waitFor({ timeout: SHOWN_MS });
    assert.deepEqual(problems, []);
  });

  it('pauses and resumes a running job from its page', async () => {
    proxy.setFaults({ latencyMs: 300, denyWrites: false });
    await remoteJob('console-pausable', 'remote', { prefix: 'photos/', concurrency: 1 });
    const { page, problems, screenshot } = await open();
    await signIn(page, TEST_TOKEN);
    await page.goto(`${base}/console/#/jobs/console-pausable`);
    await statusIs(page, 'pending');
    await confirm(page, 'start');
    await statusIs(page, 'running');
    await page.getByTestId('completed').filter({ hasNotText: /^0$/ }).waitFor({ timeout: SHOWN_MS });
    await confirm(page, 'pause');
    await statusIs(page, 'paused');
    assert.equal(await page.getByTestId('action-pause').count(), 0);
    await screenshot('job-paused');
    proxy.setFaults({ latencyMs: 0 });
    await confirm(page, 'resume');
    await statusIs(page, 'completed');
    assert.equal(await page.getByTestId('completed').innerText(), '30');
    assert.deepEqual(problems, []);
  });

  it('shows a failed object with its error code and retries it', async () => {
    proxy.setFaults({ latencyMs: 0, denyWrites: true });
    await remoteJob('console-failing', 'failing', { prefix: 'photos/001', max_retries: 0 });
    assert.equal((await api('POST', '/admin/batch/jobs/console-failing/start')).status, 200);
    const { page, problems, screenshot } = await open();
    await signIn(page, TEST_TOKEN);
    await page.goto(`${base}/console/#/jobs/console-failing`);
    await statusIs(page, 'failed');
    const failed = page.getByTestId('failed-table');
    await failed.locator('tbody tr').first().waitFor({ timeout: SHOWN_MS });
    assert.match(await failed.innerText(), /photos\/001\.jpg[\s\S]*AccessDenied/);
    assert.match(await page.getByTestId('errors-table').innerText(), /AccessDenied/);
    await screenshot('job-failed');

    proxy.setFaults({ denyWrites: false });
    await page.getByTestId('retry-failed').click();
    await page.getByTestId('confirm-yes').click();
    await statusIs(page, 'completed');
    await page.getByTestId('run-2').waitFor({ timeout: SHOWN_MS });
    assert.equal(await page.getByTestId('failed-count').innerText(), '0');
    await screenshot('job-retried');
    assert.deepEqual(problems, []);
  });

  it('offers a read-only token no action it cannot take', async () => {
    const { page, problems, screenshot } = await open();
    await signIn(page, READ_TOKEN);
    assert.equal(await page.getByTestId('identity').innerText(), 'read · read');
    await page.getByTestId('jobs-table').waitFor({ timeout: SHOWN_MS });
    assert.equal(await page.getByTestId('new-job').count(), 0);
    assert.equal(await page.getByTestId('nav-new-job').count(), 0);
    for (const job of ['console-nightly', 'console-failing']) {
      await page.goto(`${base}/console/#/jobs/${job}`);
      await statusIs(page, 'completed');
      await page.getByTestId('timeline').waitFor({ timeout: SHOWN_MS });
      assert.equal(await page.locator('[data-testid^=action-]').count(), 0, `no action on ${job}`);
      assert.equal(await page.getByTestId('retry-failed').count(), 0);
    }
    await screenshot('job-read-only');
    assert.deepEqual(problems, []);
  });

  it('lists 1,000 jobs paged as the API pages them, filtered by status and searched by id', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map(async (job_id) => {
        const created = await api('POST', '/admin/batch/jobs', { job_id, source_bucket: 'src', destination_bucket: 'dst' });
        assert.equal(created.status, 200, JSON.stringify(created.body));
      }));
    }
    const { page, problems, screenshot } = await open();
    await signIn(page, TEST_TOKEN);
    const rows = page.getByTestId('job-row');
    await page.getByTestId('jobs-table').waitFor({ timeout: SHOWN_MS });
    assert.equal(await rows.count(), 50);
    assert.equal(await page.getByTestId('page-info').innerText(), 'Page 1 · jobs 1–50');
    await page.getByTestId('next-page').click();
    await page.getByTestId('page-info').filter({ hasText: 'Page 2 · jobs 51–100' }).waitFor({ timeout: SHOWN_MS });
    assert.match(await rows.first().innerText(), /bulk-0050/);

    await page.getByTestId('page-size').selectOption('1000');
    await page.getByTestId('page-info').filter({ hasText: 'Page 1 · jobs 1–1000' }).waitFor({ timeout: SHOWN_MS });
    assert.equal(await rows.count(), 1000);
    await page.getByTestId('next-page').click();
    // The page number changes before the page's jobs arrive: wait for the line that counts them.
    await page.getByTestId('page-info').filter({ hasText: 'Page 2 · jobs 1001–1003' }).waitFor({ timeout: SHOWN_MS });
    assert.equal(await rows.count(), 3, 'the three jobs of the tests above, after the thousand');

    await page.getByTestId('status-filter').selectOption('completed');
    await page.getByTestId('page-info').filter({ hasText: 'Page 1 · jobs 1–3' }).waitFor({ timeout: SHOWN_MS });
    await page.getByTestId('status-filter').selectOption('');
    await page.getByTestId('search').fill('bulk-099');
    await page.getByTestId('page-info').filter({ hasText: '10 of 1003 jobs match' }).waitFor({ timeout: SHOWN_MS });
    assert.match(await rows.last().innerText(), /bulk-0999/);
    await page.getByTestId('search').fill('');
    await page.getByTestId('page-info').filter({ hasText: 'Page 1 · jobs 1–1000' }).waitFor({ timeout: SHOWN_MS });
    await screenshot('jobs-1000');
    assert.deepEqual(problems, []);
  });
});

