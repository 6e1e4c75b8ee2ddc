import type { Msg, NatsConnection, Subscription } from 'nats';
import type { BucketSide, JobCommand, JobEvent, RegionEvidence } from '../domain/index.js';
import type { Logger } from '../log/logger.js';
import { decodeJson, encodeJson } from './codec.js';
import type { JobEventStore } from './eventStore.js';
import { jobIdFromToken, subjects } from './subjects.js';

/** The commands a copier may have decided: failing its run when the destination refuses writes, and a bucket's real region. */
export type WorkerCommand = Extract<JobCommand, { type: 'FailRun' | 'RecordBucketRegion' }>;

/** What decides a command against a job's log: the job's event store itself, or control on a copier's behalf. */
export interface JobCommandSink {
  execute(jobId: string, command: WorkerCommand): Promise<{ events: JobEvent[] }>;
}

type Answer = { events: JobEvent[] } | { error: string };

const REQUEST_TIMEOUT_MS = 10_000;
const QUEUE = 'control';
const MAX_ERROR_LENGTH = 4096;
const SIDES: ReadonlySet<BucketSide> = new Set(['source', 'destination']);
const EVIDENCE: ReadonlySet<RegionEvidence> = new Set(['x-amz-bucket-region', 'AuthorizationHeaderMalformed', 'PermanentRedirect']);

/**
 * A copier's commands, sent to control (`ferry.command.<job>`) instead of appended by the copier: a
 * copier's NATS user may not publish to any job log (deploy/nats), so a copier can fail its run or
 * record a region, which control checks and decides, but never complete, cancel or delete a job.
 * Fails when no control process answers; the copier's callers retry or log it.
 */
export class RemoteJobCommands implements JobCommandSink {
  constructor(private readonly nc: NatsConnection) {}

  async execute(jobId: string, command: WorkerCommand): Promise<{ events: JobEvent[] }> {
    const reply = await this.nc.request(subjects.workerCommand(jobId), encodeJson(command), { timeout: REQUEST_TIMEOUT_MS });
    const answer = decodeJson<Answer>(reply.data);
    if ('error' in answer) throw new Error(`control refused ${command.type} for job ${jobId}: ${answer.error}`);
    return answer;
  }
}

/**
 * Control's side: decides the copiers' commands against the job's log, one queue group across every
 * control process. Only the two commands a copier may ask for are taken, each checked field by field,
 * for the job its subject names, and timed by control's clock.
 */
export function serveWorkerCommands(nc: NatsConnection, store: JobEventStore, log: Logger): Subscription {
  const sub = nc.subscribe(subjects.allWorkerCommands, {
    queue: QUEUE,
    callback: (err, msg) => {
      if (err) {
        log.error({ err: String(err) }, 'worker commands: subscription failed');
        return;
      }
      void answer(msg);
    },
  });
  async function answer(msg: Msg): Promise<void> {
    const jobId = jobIdFromToken(msg.subject.slice(subjects.allWorkerCommands.length - 1));
    let reply: Answer;
    try {
      const command = workerCommandOf(jobId, msg.data);
      reply = { events: (await store.execute(jobId, command)).events };
      if (reply.events.length > 0) log.info({ job_id: jobId, command: command.type, events: reply.events.map((e) => e.type) }, 'worker command applied');
    } catch (err) {
      log.warn({ job_id: jobId, err: String(err) }, 'worker command refused');
      reply = { error: err instanceof Error ? err.message : String(err) };
    }
    if (msg.reply) msg.respond(encodeJson(reply));
  }
  return sub;
}

/** The command in a request, or an Error saying what is wrong with it. */
export function workerCommandOf(jobId: string, data: Uint8Array): WorkerCommand {
  let raw: unknown;
  try {
    raw = decodeJson(data);
  } catch {
    throw new Error('not JSON');
  }
  const command = raw as { type?: unknown; data?: Record<string, unknown> };
  const d = command.data;
  if (typeof d !== 'object' || d === null) throw new Error('no data');
  if (d.job_id !== jobId) throw new Error(`data.job_id must be ${JSON.stringify(jobId)}, the job of its subject`);
  if (!Number.isSafeInteger(d.run) || (d.run as number) < 1) throw new Error('data.run must be a run number');
  const run = d.run as number;
  const metadata = { now: new Date().toISOString() };
  const text = (field: string) => {
    const value = d[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ERROR_LENGTH) throw new Error(`data.${field} must be a string of 1 to ${MAX_ERROR_LENGTH} characters`);
    return value;
  };
  switch (command.type) {
    case 'FailRun':
      return { type: 'FailRun', data: { job_id: jobId, run, error: text('error') }, metadata };
    case 'RecordBucketRegion': {
      const side = d.side as BucketSide;
      const reason = d.reason as RegionEvidence;
      if (!SIDES.has(side)) throw new Error('data.side must be source or destination');
      if (!EVIDENCE.has(reason)) throw new Error(`data.reason must be one of ${[...EVIDENCE].join(', ')}`);
      return { type: 'RecordBucketRegion', data: { job_id: jobId, run, side, bucket: text('bucket'), configured_region: text('configured_region'), region: text('region'), reason }, metadata };
    }
    default:
      throw new Error(`${JSON.stringify(command.type)} is not a command a copier may ask for (FailRun, RecordBucketRegion)`);
  }
}
