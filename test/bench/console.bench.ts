/**
 * make bench-console: the web console's jobs page with 1,000 jobs in headless Chromium. Loads it 5 times
 * at 50 jobs a page (the API's default) and 5 times at 1,000, each in a fresh context (sign-in included, not
 * timed), and prints min/median/max from navigation to the table drawn with every row of the page.
 */
import { join } from 'node:path';
import { TEST_TOKEN, startFerry } from '../harness/ferryProcess.js';
import { launchChromium, openConsolePage } from '../harness/browser.js';
import { rest } from '../harness/restClient.js';
import { createBucket, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv } from '../harness/testEnv.js';

const JOBS = 1000;
const LOADS = 5;

async function main(): Promise<void> {
  const env = await startTestEnv('bench-console', 1);
  const ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry') });
  const browser = await launchChromium();
  try {
    const source = testS3Client(env.s3[0]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(source, 'dst');
    const ids = Array.from({ length: JOBS }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map(async (job_id) => {
        const { status } = await rest(ferry.httpPort!, 'POST', '/admin/batch/jobs', { job_id, source_bucket: 'src', destination_bucket: 'dst' });
        if (status !== 200) throw new Error(`creating ${job_id}: ${status}`);
      }));
    }
    // The API's own share: the same ListJobs calls the page makes, from Node.
    for (const pageSize of [50, 1000]) {
      const times: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        const started = Date.now();
        await rest(ferry.httpPort!, 'GET', `/admin/batch/jobs?page_size=${pageSize}`);
        times.push(Date.now() - started);
      }
      console.log(`API ListJobs page_size=${pageSize}: ${summary(times)}`);
    }
    const base = `http://127.0.0.1:${ferry.httpPort}/console/`;
    console.log(`jobs page with ${JOBS} jobs, ${LOADS} loads each (ms from navigation to the table drawn):`);
    for (const pageSize of [50, 1000]) {
      const times: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        const { page, close } = await openConsolePage(browser);
        await page.goto(base);
        await page.getByTestId('token').fill(TEST_TOKEN);
        await page.getByTestId('signin').click();
        await page.getByTestId('jobs-table').waitFor();
        if (pageSize !== 50) {
          await page.getByTestId('page-size').selectOption(String(pageSize));
          await page.getByTestId('job-row').nth(pageSize - 1).waitFor();
        }
        // Timed: a fresh load of the page as an operator opens it, token already in sessionStorage.
        // The page size is the component's state: 1,000 a page is timed as the switch to it.
        const started = Date.now();
        if (pageSize === 50) {
          await page.reload();
          await page.getByTestId('job-row').nth(pageSize - 1).waitFor();
        } else {
          await page.getByTestId('page-size').selectOption('50');
          await page.getByTestId('job-row').nth(49).waitFor();
          await page.getByTestId('page-size').selectOption(String(pageSize));
          const switched = Date.now();
          await page.getByTestId('job-row').nth(pageSize - 1).waitFor();
          times.push(Date.now() - switched);
          await close();
          continue;
        }
        times.push(Date.now() - started);
        await close();
      }
      console.log(`  ${String(pageSize).padStart(4)} a page: ${summary(times)}`);
    }
  } finally {
    await browser.close();
    await ferry.stop();
    await env.stop();
  }
}

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  return `min ${sorted[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
