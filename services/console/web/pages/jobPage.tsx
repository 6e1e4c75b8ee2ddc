import { useEffect, useRef, useState } from 'preact/hooks';
import type { AnswerOf } from '../../../../libs/api/index.js';
import { api, ApiError, type Job, type JobAction } from '../api.js';
import { ConfirmDialog } from '../components/confirmDialog.js';
import { ProgressBar, StatusBadge } from '../components/progressBar.js';
import { RateChart, type RateSeries } from '../components/rateChart.js';
import { RunTimeline } from '../components/runTimeline.js';
import { ago, bytes, count, eta, rate, time } from '../format.js';
import { ACTIONS } from '../jobStatus.js';
import { navigate } from '../router.js';
import { streamEvents } from '../sse.js';

type Panels = {
  failed: NonNullable<AnswerOf<'ListFailedObjects'>['failed_objects']>;
  errors: NonNullable<AnswerOf<'ListJobErrors'>['errors']>;
  history: NonNullable<AnswerOf<'GetJobHistory'>['events']>;
  notifications: NonNullable<AnswerOf<'ListNotifications'>['notifications']>;
};

type Pending = { action: JobAction | 'delete'; label: string; danger?: boolean };

const RECONNECT_MS = [1_000, 2_000, 5_000, 10_000];
const MAX_POINTS = 3_600;

/**
 * One job, kept current by its watch stream (the REST face of gRPC WatchJob, read with fetch): counts,
 * rate and ETA as the server pushes them, the rate charted from those pushes. The lists below (failed
 * objects, worker errors, history, webhook deliveries) are read again when the status or the run changes.
 */
export function JobPage({ id, admin }: { id: string; admin: boolean }) {
  const [job, setJob] = useState<Job>();
  const [missing, setMissing] = useState<string>();
  const [live, setLive] = useState<'connecting' | 'live' | 'ended' | 'reconnecting'>('connecting');
  const [series, setSeries] = useState<RateSeries>([[], []]);
  const [panels, setPanels] = useState<Panels>({ failed: [], errors: [], history: [], notifications: [] });
  // An action's answer; `status` is the job status it reported, shown only while the job still has it.
  const [notice, setNotice] = useState<{ kind: 'error' | 'ok'; text: string; status?: string }>();
  const [pending, setPending] = useState<Pending>();
  const [watches, setWatches] = useState(0);
  const [now, setNow] = useState(Date.now());
  // The run an action answered with: the read model the stream starts from may not show it yet.
  const expectedRun = useRef(0);

  useEffect(() => {
    const stop = new AbortController();
    let attempt = 0;
    let stale = 0;
    const push = (view: Job) => {
      setJob(view);
      setNow(Date.now());
      setSeries(([t, r]) => [[...t, Date.now() / 1000].slice(-MAX_POINTS), [...r, view.progress?.current_rate_bytes_sec ?? 0].slice(-MAX_POINTS)]);
    };
    let seen = 0;
    const watch = async (): Promise<void> => {
      setLive('connecting');
      seen = 0;
      try {
        await streamEvents(api.watchPath(id), (data) => {
          attempt = 0;
          const view = JSON.parse(data) as Job;
          seen = Math.max(seen, view.run ?? 0);
          if ((view.run ?? 0) < expectedRun.current) return;
          setLive('live');
          push(view);
        }, stop.signal);
        if (seen < expectedRun.current && stale++ < 20) {
          // It ended on the earlier run's end, which the read model still showed: watch the new run.
          await new Promise((resolve) => setTimeout(resolve, 250));
          if (!stop.signal.aborted) return watch();
          return;
        }
        setLive('ended');
      } catch (err) {
        if (stop.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) {
          setMissing(err.message);
          return;
        }
        if (err instanceof ApiError && err.status < 500) {
          setNotice({ kind: 'error', text: err.message });
          setLive('ended');
          return;
        }
        // The connection dropped (control restarted, a proxy timed out): open the stream again, backing off.
        setLive('reconnecting');
        const delay = RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)]!;
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (!stop.signal.aborted) return watch();
      }
    };
    void watch();
    return () => stop.abort();
  }, [id, watches]);

  const phase = `${job?.status ?? ''}:${job?.run ?? 0}`;
  useEffect(() => {
    if (!job) return;
    let current = true;
    loadPanels(id).then(
      (loaded) => current && setPanels(loaded),
      (err: unknown) => current && setNotice({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) }),
    );
    return () => {
      current = false;
    };
  }, [id, phase]);

  const act = async ({ action, label }: Pending) => {
    setPending(undefined);
    setNotice(undefined);
    try {
      if (action === 'delete') {
        await api.deleteJob(id);
        navigate({ page: 'jobs' });
        return;
      }
      const view = await api.act(id, action);
      expectedRun.current = view.run ?? 0;
      setJob(view);
      setNotice({ kind: 'ok', text: `${label}: the job is ${view.status}.`, status: view.status });
      setWatches((n) => n + 1); // a new run or a resumed one: watch it from here
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setNotice({ kind: 'error', text: `${label} refused: ${err.message}` });
    }
  };

  if (missing) return <p class="error" role="alert">{missing}</p>;
  if (!job) return <p class="loading">Loading {id}…</p>;
  const p = job.progress;
  const offered = admin ? ACTIONS.filter((a) => a.when.has(job.status ?? '')) : [];
  return (
    <section class="job">
      <div class="toolbar">
        <h1 data-testid="job-id">{job.job_id}</h1>
        <StatusBadge status={job.status} queued={job.queued} />
        <span class={`live ${live}`} data-testid="live">{live === 'live' ? '● live' : live}</span>
        <span class="spacer" />
        {offered.map((a) => (
          <button key={a.action} type="button" class={a.danger ? 'danger' : ''} onClick={() => setPending(a)} data-testid={`action-${a.action}`}>
            {a.label}
          </button>
        ))}
      </div>
      {job.description && <p class="muted">{job.description}</p>}
      {notice && (notice.status === undefined || notice.status === job?.status) && <p class={notice.kind} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice">{notice.text}</p>}
      {job.error && <p class="error">{job.error}</p>}

      <ProgressBar progress={p} large />
      <dl class="stats">
        <div><dt>Copied</dt><dd data-testid="completed">{count(p?.completed_objects)}</dd></div>
        <div><dt>Skipped</dt><dd>{count(p?.skipped_objects)}</dd></div>
        <div><dt>Failed</dt><dd data-testid="failed-count">{count(p?.failed_objects)}</dd></div>
        <div><dt>Listed</dt><dd>{count(p?.total_objects)}{p?.listing_complete ? '' : ' so far'}</dd></div>
        <div><dt>Bytes</dt><dd data-testid="bytes">{bytes(p?.completed_bytes)} / {bytes(p?.total_bytes)}</dd></div>
        <div><dt>Rate</dt><dd data-testid="rate">{job.status === 'running' ? rate(p?.current_rate_bytes_sec) : '—'}</dd></div>
        <div><dt>ETA</dt><dd data-testid="eta">{job.status === 'running' ? eta(p?.estimated_completion, now) : '—'}</dd></div>
        <div><dt>Run</dt><dd>{job.run ? `${job.run}, started ${ago(job.started_at, now)}` : 'not started'}</dd></div>
      </dl>

      <h2>Rate</h2>
      <RateChart series={series} />

      <h2>Runs</h2>
      <RunTimeline events={panels.history} now={now} current={job} />

      <h2>Failed objects ({count(p?.failed_objects)})</h2>
      {admin && job.status === 'failed' && (p?.failed_objects ?? 0) > 0 && (
        <button type="button" onClick={() => setPending({ action: 'retry-failed', label: 'Retry failed' })} data-testid="retry-failed">Retry failed objects</button>
      )}
      <Table empty="No failed objects in the latest run." testid="failed-table" head={['Key', 'Error', 'Attempts', 'Last attempt', 'Run']}
        rows={panels.failed.map((f) => [f.key, f.error, String(f.attempts ?? 0), time(f.last_attempt), String(f.run ?? '')])} />

      <h2>Worker errors</h2>
      <Table empty="No worker errors." testid="errors-table" head={['Time', 'Key', 'Error', 'Run']}
        rows={panels.errors.map((e) => [time(e.time), e.key, e.error, String(e.run ?? '')])} />

      <h2>Webhook deliveries</h2>
      <Table empty={job.notification_webhook ? 'No deliveries yet.' : 'The job has no notification_webhook.'} testid="deliveries-table"
        head={['Event', 'Run', 'Status', 'Attempts', 'Last code', 'Last error', 'Last attempt']}
        rows={panels.notifications.map((n) => [n.event, String(n.run ?? ''), n.status, String(n.attempts ?? 0), String(n.last_status_code ?? ''), n.last_error ?? '', time(n.last_attempt_at)])} />

      <h2>Definition</h2>
      <dl class="definition">
        {definitionRows(job).map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
      </dl>

      {pending && (
        <ConfirmDialog
          question={pending.action === 'delete' ? `Delete job ${id}? Its history goes with it.` : `${pending.label} job ${id}?`}
          confirmLabel={pending.label}
          danger={pending.danger}
          onConfirm={() => void act(pending)}
          onCancel={() => setPending(undefined)}
        />
      )}
    </section>
  );
}

async function loadPanels(id: string): Promise<Panels> {
  const [failed, errors, history, notifications] = await Promise.all([api.failed(id), api.errors(id), allHistory(id), api.notifications(id)]);
  return { failed: failed.failed_objects ?? [], errors: errors.errors ?? [], history, notifications: notifications.notifications ?? [] };
}

async function allHistory(id: string): Promise<Panels['history']> {
  const events: Panels['history'] = [];
  let token = '';
  do {
    const page = await api.history(id, token);
    events.push(...(page.events ?? []));
    token = page.next_page_token ?? '';
  } while (token);
  return events;
}

function Table({ head, rows, empty, testid }: { head: string[]; rows: Array<Array<string | undefined>>; empty: string; testid: string }) {
  if (rows.length === 0) return <p class="muted" data-testid={testid}>{empty}</p>;
  return (
    <table data-testid={testid}>
      <thead><tr>{head.map((h) => <th key={h}>{h}</th>)}</tr></thead>
      <tbody>{rows.map((r, i) => <tr key={i}>{r.map((c, j) => <td key={j}>{c ?? ''}</td>)}</tr>)}</tbody>
    </table>
  );
}

function definitionRows(job: Job): Array<[string, string]> {
  const rows: Array<[string, string | number | boolean | undefined]> = [
    ['source', `${job.source_bucket}${job.prefix ? `/${job.prefix}` : ''}`],
    ['destination', `${job.destination_endpoint ? `${job.destination_endpoint} ` : ''}${job.destination_bucket}`],
    ['concurrency', job.concurrency],
    ['rate limit', job.rate_limit_bytes_per_sec ? `${bytes(job.rate_limit_bytes_per_sec)}/s` : undefined],
    ['priority', job.priority],
    ['max retries', job.max_retries],
    ['schedule', job.schedule ? `${job.schedule.cron} (${job.schedule.timezone ?? 'UTC'})` : undefined],
    ['next run', job.next_run_at ? time(job.next_run_at) : undefined],
    ['webhook', job.notification_webhook],
    ['created', time(job.created_at)],
  ];
  return rows.filter((r): r is [string, string | number | boolean] => r[1] !== undefined && r[1] !== '').map(([k, v]) => [k, String(v)]);
}
