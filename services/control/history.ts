import type { NatsConnection } from 'nats';
import {
  FerryError,
  decodeNumericPageToken,
  invalidField,
  pageAfter,
  pageSizeOf,
  jobNotFound,
  project,
  publicDefinition,
  type FerryEvent,
  type HistoryEntry,
  type JobEvent,
  type JobProjection,
  type JobView,
} from '../../libs/domain/index.js';
import { forEachInRange, readSubjectRange, subjects, type JobEventStore } from '../../libs/nats/index.js';



/** One lifecycle event as the history API shows it; the definition is shown as the API does (secret masked). */
export function historyEntry(seq: number, event: JobEvent, runBefore: number): HistoryEntry {
  const { job_id: _j, at, ...rest } = event.data as JobEvent['data'] & { run?: number; actor?: string };
  const { run, actor, ...details } = rest as Record<string, unknown> & { run?: number; actor?: string; definition?: unknown };
  if (event.type === 'JobCreated') details.definition = publicDefinition(event.data.definition);
  return { seq, time: at, type: event.type, run: run ?? runBefore, details_json: JSON.stringify(details), actor: actor ?? '' };
}

/** A page of the job's lifecycle events with sequence above the page token's. */
export function historyPage(events: Array<{ seq: number; event: JobEvent }>, pageSize = 0, pageToken = ''): { events: HistoryEntry[]; next_page_token: string } {
  const size = pageSizeOf(pageSize);
  const after = decodeNumericPageToken(pageToken);
  let run = 0;
  const all: HistoryEntry[] = [];
  for (const { seq, event } of events) {
    const entry = historyEntry(seq, event, run);
    run = entry.run;
    if (seq > after) all.push(entry);
  }
  const { items, next_page_token } = pageAfter(all, size, (entry) => entry.seq);
  return { events: items, next_page_token };
}

export type AsOf = { seq: number } | { time: string };

export function parseAsOf(value: string | undefined): AsOf {
  const raw = (value ?? '').trim();
  if (/^\d+$/.test(raw)) return { seq: Number(raw) };
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw) && !Number.isNaN(Date.parse(raw))) return { time: new Date(Date.parse(raw)).toISOString() };
  throw invalidField('as_of', 'must be a sequence number or an RFC 3339 time');
}

/** Folds a job's events, fed in stream order, up to `asOf`: the state the read model showed then. */
export class AsOfFold {
  private projection: JobProjection | undefined;
  private passed = false;
  private readonly limit: number;

  constructor(private readonly asOf: AsOf) {
    this.limit = 'time' in asOf ? Date.parse(asOf.time) : Infinity;
  }

  add(seq: number, event: FerryEvent): void {
    if (this.passed || ('seq' in this.asOf ? seq > this.asOf.seq : Date.parse(event.data.at) > this.limit)) {
      this.passed = true;
      return;
    }
    this.projection = project(this.projection, event, seq);
  }

  get view(): JobView | undefined {
    return this.projection?.view;
  }
}

/**
 * The job's view as of a point of the log. Lifecycle events and run summaries are few and read
 * whole; outcome batches (millions for a big run) are streamed and merged in by sequence.
 */
export async function foldJobLog(nc: NatsConnection, jobId: string, asOf: AsOf): Promise<{ found: boolean; view?: JobView }> {
  const maxSeq = 'seq' in asOf ? asOf.seq : Number.MAX_SAFE_INTEGER;
  const few = (await Promise.all([subjects.job(jobId), subjects.summary(jobId)].map((s) => readSubjectRange(nc, s, 1, maxSeq)))).flat().sort((a, b) => a.seq - b.seq);
  if (few.length === 0) return { found: false };
  const fold = new AsOfFold(asOf);
  let next = 0;
  await forEachInRange(nc, subjects.outcome(jobId), 1, maxSeq, (seq, event) => {
    while (next < few.length && few[next]!.seq < seq) fold.add(few[next]!.seq, few[next++]!.event);
    fold.add(seq, event);
  });
  while (next < few.length) fold.add(few[next]!.seq, few[next++]!.event);
  return { found: true, view: fold.view };
}

/** GET .../history and GET .../as-of: answered from the log itself, not the read model. */
export class JobHistory {
  constructor(
    private readonly nc: NatsConnection,
    private readonly store: JobEventStore,
  ) {}

  async history(request: { job_id: string; page_size?: number; page_token?: string }) {
    const events = await this.store.read(request.job_id);
    if (events.length === 0) throw jobNotFound(request.job_id);
    return { job_id: request.job_id, ...historyPage(events, request.page_size, request.page_token) };
  }

  async asOf(request: { job_id: string; as_of?: string }): Promise<JobView> {
    const asOf = parseAsOf(request.as_of);
    const { found, view } = await foldJobLog(this.nc, request.job_id, asOf);
    if (!found) throw jobNotFound(request.job_id);
    if (!view) throw new FerryError('NOT_FOUND', `job ${request.job_id} did not exist as of ${request.as_of}`);
    return view;
  }
}
