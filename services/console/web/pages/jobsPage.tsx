import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Job } from '../api.js';
import { ProgressBar, StatusBadge } from '../components/progressBar.js';
import { ago, count, eta, rate } from '../format.js';
import { JOB_STATUSES } from '../jobStatus.js';
import { href } from '../router.js';

const PAGE_SIZES = [50, 100, 500, 1000];

type Listing = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; jobs: Job[]; next?: string; matchedOf?: number };

/**
 * Every job, as the API pages them (its page_size and page_token); filtered by status through the API.
 * The API has no search: a search reads every page (1,000 at a time) and keeps the ids that contain it.
 */
export function JobsPage({ admin }: { admin: boolean }) {
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [pageSize, setPageSize] = useState(50);
  const [tokens, setTokens] = useState<string[]>(['']);
  const [listing, setListing] = useState<Listing>({ state: 'loading' });
  const [reloads, setReloads] = useState(0);
  const page = tokens.length - 1;

  useEffect(() => {
    let current = true;
    setListing({ state: 'loading' });
    const load = search.trim() === '' ? loadPage(status, pageSize, tokens[page]!) : searchAll(status, search.trim());
    load.then(
      (result) => current && setListing({ state: 'ready', ...result }),
      (err: unknown) => current && setListing({ state: 'failed', message: err instanceof ApiError ? err.message : String(err) }),
    );
    return () => {
      current = false;
    };
  }, [status, search, pageSize, tokens, reloads]);

  const restart = () => setTokens(['']);
  const now = Date.now();
  return (
    <section>
      <div class="toolbar">
        <h1>Jobs</h1>
        <label>
          Status
          <select value={status} onChange={(e) => { setStatus(e.currentTarget.value); restart(); }} data-testid="status-filter">
            <option value="">all</option>
            {JOB_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Search by id
          <input type="search" value={search} placeholder="job id contains…" onInput={(e) => { setSearch(e.currentTarget.value); restart(); }} data-testid="search" />
        </label>
        <label>
          Per page
          <select value={pageSize} onChange={(e) => { setPageSize(Number(e.currentTarget.value)); restart(); }} data-testid="page-size">
            {PAGE_SIZES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => setReloads((n) => n + 1)}>Refresh</button>
        {admin && <a class="button primary" href={href({ page: 'new' })} data-testid="new-job">New job</a>}
      </div>
      {listing.state === 'loading' && <p class="loading">Loading jobs…</p>}
      {listing.state === 'failed' && <p class="error" role="alert">{listing.message}</p>}
      {listing.state === 'ready' && (
        <>
          <table class="jobs" data-testid="jobs-table">
            <thead>
              <tr><th>Job</th><th>Status</th><th class="progress-col">Progress</th><th>Objects</th><th>Rate</th><th>ETA</th><th>Last run</th></tr>
            </thead>
            <tbody>
              {listing.jobs.map((job) => (
                <tr key={job.job_id} data-testid="job-row">
                  <td><a href={href({ page: 'job', id: job.job_id! })}>{job.job_id}</a></td>
                  <td><StatusBadge status={job.status} queued={job.queued} /></td>
                  <td><ProgressBar progress={job.progress} /></td>
                  <td class="num">{count(doneOf(job))} / {count(job.progress?.total_objects)}</td>
                  <td class="num">{job.status === 'running' ? rate(job.progress?.current_rate_bytes_sec) : '—'}</td>
                  <td class="num">{job.status === 'running' ? eta(job.progress?.estimated_completion, now) : '—'}</td>
                  <td>{lastRun(job, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {listing.jobs.length === 0 && <p class="muted">No jobs{status ? ` ${status}` : ''}{search ? ` matching “${search}”` : ''}.</p>}
          <div class="pager">
            {listing.matchedOf !== undefined ? (
              <span data-testid="page-info">{listing.jobs.length} of {listing.matchedOf} jobs match</span>
            ) : (
              <>
                <button type="button" disabled={page === 0} onClick={() => setTokens(tokens.slice(0, -1))} data-testid="prev-page">Previous</button>
                <span data-testid="page-info">Page {page + 1} · jobs {page * pageSize + 1}–{page * pageSize + listing.jobs.length}</span>
                <button type="button" disabled={!listing.next} onClick={() => setTokens([...tokens, listing.next!])} data-testid="next-page">Next</button>
              </>
            )}
          </div>
        </>
      )}
    </section>
  );
}

async function loadPage(status: string, pageSize: number, token: string): Promise<{ jobs: Job[]; next?: string }> {
  const answer = await api.listJobs({ status, page_size: pageSize, page_token: token });
  return { jobs: answer.jobs ?? [], next: answer.next_page_token || undefined };
}

async function searchAll(status: string, term: string): Promise<{ jobs: Job[]; matchedOf: number }> {
  const matches: Job[] = [];
  let token = '';
  let seen = 0;
  do {
    const answer = await api.listJobs({ status, page_size: 1000, page_token: token });
    const jobs = answer.jobs ?? [];
    seen += jobs.length;
    matches.push(...jobs.filter((j) => j.job_id?.includes(term)));
    token = answer.next_page_token ?? '';
  } while (token);
  return { jobs: matches, matchedOf: seen };
}

function doneOf(job: Job): number {
  const p = job.progress;
  return (p?.completed_objects ?? 0) + (p?.skipped_objects ?? 0) + (p?.failed_objects ?? 0);
}

function lastRun(job: Job, now: number): string {
  if (!job.run) return 'never run';
  const latest = job.runs?.find((r) => r.run === job.run);
  const ended = latest?.completed_at ?? job.completed_at;
  return ended ? `run ${job.run} · ended ${ago(ended, now)}` : `run ${job.run} · started ${ago(latest?.started_at ?? job.started_at, now)}`;
}
