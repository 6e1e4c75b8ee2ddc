import { TEST_TOKEN } from './ferryProcess.js';
import { waitForProgress, type ProgressWait } from './waitFor.js';

export interface RestResponse<T = any> {
  status: number;
  body: T;
}

/** A call the server never answers fails the test naming it, instead of hanging it until the runner's timeout. */
const REST_TIMEOUT_MS = 120_000;

/** A JSON call to the REST API, as curl would make it. */
export async function rest<T = any>(port: number, method: string, path: string, body?: unknown, token: string | null = TEST_TOKEN): Promise<RestResponse<T>> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let text: string;
  let status: number;
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(REST_TIMEOUT_MS),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    if ((err as Error).name !== 'TimeoutError') throw err;
    throw new Error(`${method} ${path} on port ${port}: no answer in ${REST_TIMEOUT_MS / 1000} s`, { cause: err });
  }
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // leave as text
  }
  return { status, body: parsed as T };
}

/**
 * The job's view once its first run's outcomes are compacted: the last event a finished run
 * appends (on the job's summary subject), so the log is at rest from then on.
 */
export async function viewOnceCompacted(port: number, jobId: string, options?: ProgressWait): Promise<any> {
  return waitForJob(port, jobId, 'run compacted', (body) => body.runs?.[0]?.outcomes_compacted === true, options);
}

/**
 * Waits until the job's view passes `accept`, for as long as the job keeps moving (its status, run
 * and progress counts change): the speed of a job depends on the machine, a stuck job does not.
 */
export async function waitForJob(port: number, jobId: string, what: string, accept: (view: any) => boolean, options?: ProgressWait): Promise<any> {
  return waitForProgress(`${jobId} ${what}`, async () => {
    const { status, body } = await rest(port, 'GET', `/admin/batch/jobs/${jobId}`);
    if (status !== 200) return { progress: { status } };
    return { done: accept(body) ? body : undefined, progress: { status: body.status, run: body.run, progress: body.progress, runs: body.runs?.length } };
  }, options);
}
