import type { FerryClient } from './client.js';
import { UsageError } from './args.js';
import { checkReport, differencesReport, dryRunReport, jobDetail, jobsTable, keyRotationReport, table } from './format.js';
import { readJobFile, unknownKeys } from './jobFile.js';
import { ProgressView } from './progress.js';
import { watchJob } from './watch.js';

export interface CommandContext {
  client: FerryClient;
  output: 'table' | 'json';
  file?: string;
  status?: string;
  dryRun?: boolean;
  writeProbe?: boolean;
  checksumAlgorithm?: string;
  versions?: string;
  changes?: { rate_limit_bytes_per_sec?: number; concurrency?: number; priority?: number };
  /** keys rotate --to */
  to?: string;
  /** Field names of ferry.v1.JobSpec. */
  jobSpecFields: Iterable<string>;
  print(text: string): void;
}

/** Resolves to the process exit code. */
export type Command = (ctx: CommandContext, id: string | undefined) => Promise<number>;

const LIFECYCLE: Record<string, 'StartJob' | 'PauseJob' | 'ResumeJob' | 'CancelJob' | 'RetryFailed'> = {
  start: 'StartJob',
  pause: 'PauseJob',
  resume: 'ResumeJob',
  cancel: 'CancelJob',
  'retry-failed': 'RetryFailed',
};

function needId(id: string | undefined, command: string): string {
  if (!id) throw new UsageError(`jobs ${command} needs a job ID`);
  return id;
}

function show(ctx: CommandContext, response: unknown, asTable: () => string): number {
  ctx.print(ctx.output === 'json' ? JSON.stringify(response, null, 2) : asTable());
  return 0;
}

type Page<F extends string, T> = { next_page_token?: string } & { [K in F]?: T[] };

/** Follows next_page_token, concatenating the `field` items of every page into one answer (the last page's other fields). */
async function allPages<F extends string, T, R extends Page<F, T> = Page<F, T>>(fetchPage: (pageToken: string) => Promise<R>, field: F): Promise<R & Record<F, T[]>> {
  let response = await fetchPage('');
  const items: T[] = [...(response[field] ?? [])];
  while (response.next_page_token) {
    response = await fetchPage(response.next_page_token);
    items.push(...(response[field] ?? []));
  }
  return { ...response, [field]: items, next_page_token: '' } as R & Record<F, T[]>;
}

export const JOB_COMMANDS: Record<string, Command> = {
  async create(ctx) {
    if (!ctx.file) throw new UsageError('jobs create needs -f FILE (JSON or YAML)');
    const read = readJobFile(ctx.file);
    // Checked by the server like the file's own fields.
    const spec = {
      ...read,
      ...(ctx.checksumAlgorithm === undefined ? {} : { checksum_algorithm: ctx.checksumAlgorithm }),
      ...(ctx.versions === undefined ? {} : { versions: ctx.versions }),
    };
    const unknown = unknownKeys(spec, ctx.jobSpecFields);
    if (unknown.length > 0) throw new UsageError(`${ctx.file}: unknown job field(s): ${unknown.join(', ')}`);
    if (ctx.dryRun) {
      const report = await ctx.client.call('CreateJob', { ...spec, dry_run: true });
      return show(ctx, report, () => dryRunReport(report));
    }
    const job = await ctx.client.call('CreateJob', spec);
    return show(ctx, job, () => jobDetail(job));
  },
  async list(ctx) {
    const response = await allPages((page_token) => ctx.client.call('ListJobs', { status: ctx.status, page_token }), 'jobs');
    return show(ctx, response, () => jobsTable(response.jobs));
  },
  async get(ctx, id) {
    const job = await ctx.client.call('GetJob', { job_id: needId(id, 'get') });
    return show(ctx, job, () => jobDetail(job));
  },
  async delete(ctx, id) {
    const response = await ctx.client.call('DeleteJob', { job_id: needId(id, 'delete') });
    return show(ctx, response, () => `job ${response.job_id} deleted`);
  },
  ...Object.fromEntries(
    Object.entries(LIFECYCLE).map(([name, rpc]): [string, Command] => [
      name,
      async (ctx, id) => {
        const job = await ctx.client.call(rpc, { job_id: needId(id, name) });
        return show(ctx, job, () => `job ${job.job_id} ${job.status} (run ${job.run ?? 0})`);
      },
    ]),
  ),
  async update(ctx, id) {
    const changes = ctx.changes ?? {};
    if (Object.keys(changes).length === 0) throw new UsageError('jobs update needs --rate, --concurrency or --priority');
    const job = await ctx.client.call('UpdateJob', { job_id: needId(id, 'update'), ...changes });
    const rate = job.rate_limit_bytes_per_sec ? `${job.rate_limit_bytes_per_sec} B/s` : 'unlimited';
    return show(ctx, job, () => `job ${job.job_id} ${job.status}: rate ${rate}, concurrency ${job.concurrency ?? 'default'}, priority ${job.priority ?? 'default'}`);
  },
  async check(ctx, id) {
    const report = await ctx.client.call('CheckJob', { job_id: needId(id, 'check'), write_probe: ctx.writeProbe ?? false });
    show(ctx, report, () => checkReport(report));
    return report.ok ? 0 : 1;
  },
  async failed(ctx, id) {
    const response = await allPages((page_token) => ctx.client.call('ListFailedObjects', { job_id: needId(id, 'failed'), page_token }), 'failed_objects');
    return show(ctx, response, () =>
      table(['KEY', 'RUN', 'ATTEMPTS', 'LAST ATTEMPT', 'ERROR'], response.failed_objects.map((o) => [o.key, o.run, o.attempts, o.last_attempt, o.error])),
    );
  },
  async errors(ctx, id) {
    const response = await allPages((page_token) => ctx.client.call('ListJobErrors', { job_id: needId(id, 'errors'), page_token }), 'errors');
    return show(ctx, response, () => table(['TIME', 'RUN', 'KEY', 'ERROR'], response.errors.map((e) => [e.time, e.run, e.key, e.error])));
  },
  async history(ctx, id) {
    const response = await allPages((page_token) => ctx.client.call('GetJobHistory', { job_id: needId(id, 'history'), page_token }), 'events');
    return show(ctx, response, () =>
      table(['SEQ', 'TIME', 'TYPE', 'RUN', 'ACTOR', 'DETAILS'], response.events.map((e) => [e.seq, e.time, e.type, e.run, e.actor || '-', e.details_json])),
    );
  },
  /**
   * Starts a verify run, follows it to its end (progress on stderr), then prints its counts and every key
   * missing, differing or extra. Exit 0 only when everything matched.
   */
  async verify(ctx, id) {
    const jobId = needId(id, 'verify');
    const started = await ctx.client.call('VerifyJob', { job_id: jobId });
    const view = new ProgressView(process.stderr);
    const job = await watchJob(
      ctx.client,
      jobId,
      (j) => {
        if (ctx.output === 'table') view.update(j);
      },
      { run: started.run },
    );
    if (ctx.output === 'table') view.update(job, true);
    const report = await allPages((page_token) => ctx.client.call('ListDifferences', { job_id: jobId, run: started.run, page_token }), 'differences');
    show(ctx, report, () => differencesReport(report));
    return report.status === 'completed' ? 0 : 1;
  },
  async differences(ctx, id) {
    const report = await allPages((page_token) => ctx.client.call('ListDifferences', { job_id: needId(id, 'differences'), page_token }), 'differences');
    show(ctx, report, () => differencesReport(report));
    return report.status === 'completed' ? 0 : 1;
  },
  async watch(ctx, id) {
    const jobId = needId(id, 'watch');
    const view = new ProgressView(process.stderr);
    const job = await watchJob(ctx.client, jobId, (j) => {
      if (ctx.output === 'json') ctx.print(JSON.stringify(j));
      else view.update(j);
    });
    if (ctx.output === 'table') {
      view.update(job, true);
      ctx.print(`job ${job.job_id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
    }
    return job.status === 'completed' ? 0 : 1;
  },
};

/** A rotation re-seals every job's data key in one call: a second run after a timeout resumes where this one stopped. */
const ROTATE_DEADLINE_MS = 10 * 60_000;

export const KEY_COMMANDS: Record<string, Command> = {
  async rotate(ctx) {
    const report = await ctx.client.call('RotateKeys', ctx.to === undefined ? {} : { to_key_id: ctx.to }, { deadlineMs: ROTATE_DEADLINE_MS });
    show(ctx, report, () => keyRotationReport(report));
    return (report.failed ?? []).length === 0 ? 0 : 1;
  },
};

export const PROJECTOR_REBUILD_HINT = `The projector rebuilds its read model at start-up when asked to; stop the running projector, then run:

  node dist/services/main.js --target projector --rebuild

with the same NATS_URL. It drops the snapshot and views and folds the event log again from sequence 1.`;
