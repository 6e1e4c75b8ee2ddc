/**
 * The reliability scenarios: each starts a fresh World, runs one cross-cluster job over the seeded
 * objects while doing something bad to it, and checks the promises: the job ends as expected, no
 * seeded object is missing or byte-different at the destination, and no outcome is counted twice.
 */
import { DeliverPolicy } from 'nats';
import { rest } from '../harness/restClient.js';
import { waitFor } from '../harness/waitFor.js';
import { keySample, STORE_FULL_ANSWERS } from '../harness/faultProxy.js';
import { seededRandom } from '../harness/seededRandom.js';
import { DEFAULT_BREAKER_THRESHOLD } from '../../services/copier/destinationBreaker.js';
import { JOB_CONCURRENCY, JOB_MAX_RETRIES, World, type JobView, type OutcomeWatch, type WorldOptions } from './world.js';

export interface ScenarioResult {
  scenario: string;
  objects: number;
  ok: boolean;
  /** undefined where nothing is expected at the destination (a denied destination). */
  lost?: number;
  duplicated: number;
  seconds: number;
  notes: string[];
  problems: string[];
}

interface Context {
  world: World;
  jobId: string;
  random: () => number;
  notes: string[];
  problems: string[];
  /** Set when the scenario asks for watchOutcomes. */
  outcomes?: OutcomeWatch;
}

interface Scenario {
  world?: Partial<WorldOptions> | ((run: { objects: number; seed: number }) => Partial<WorldOptions>);
  /** The status the job must end in (default completed). */
  expect?: 'completed' | 'failed';
  /**
   * The run is failed as a whole before every object has an outcome, so total_objects may stop
   * short of the seeded count (it is what was listed by then).
   */
  endsEarly?: boolean;
  /** Follow the job's outcomes from its start (they are compacted away once the run ends). */
  watchOutcomes?: boolean;
  /** Runs while the job runs (after start, before waiting for the end). */
  during?(ctx: Context): Promise<void>;
  /** Extra checks once the job ended; answers the objects lost where only the scenario knows what to compare. */
  after?(ctx: Context, view: JobView, seconds: number): Promise<void | { lost: number }>;
}

/** A kill moment: seeded, between 10% and 70% of the job's progress. */
const killFraction = (random: () => number) => 0.1 + 0.6 * random();

/** SIGKILL the service once the job has processed a seeded share of the objects, then start it again (or not). */
function killAtProgress(service: string, restart = true): Scenario['during'] {
  return async ({ world, jobId, random, notes }) => {
    const view = await world.waitProcessed(jobId, killFraction(random));
    const p = view.progress;
    await world.killService(service);
    notes.push(`${service} killed at ${p.completed_objects + p.skipped_objects + p.failed_objects}/${world.options.objects}`);
    if (restart) await world.startService(service);
  };
}

/**
 * The lister is killed while listing: its source view has latency, so each page of 1,000 keys takes
 * a while; it dies while the seeded page's request is in flight, with earlier pages published and
 * checkpointed, and the restarted lister resumes once the task lease runs out.
 */
const killLister: Scenario['during'] = async ({ world, random, notes }) => {
  const pages = Math.ceil(world.options.objects / 1000);
  const page = Math.max(1, Math.ceil(killFraction(random) * pages));
  const listRequests = () => world.listerProxy!.requestLog().filter((l) => /^GET \/src\/?\?.*list-type=2/.test(l)).length;
  await waitFor(`listing page ${page} requested`, async () => (listRequests() >= page ? true : undefined), 120_000, 10);
  await world.killService('lister');
  notes.push(`lister killed listing page ${page}/${pages}`);
  await world.startService('lister');
};

const copierRetries = (world: World, jobId: string) => world.metricSum('ferry_copy_retries_total', `job_id="${jobId}"`);

interface FailedObjectReport {
  key: string;
  error: string;
  attempts: number;
}

/** Every object of the job's failed report, all pages. */
async function failedReport(world: World, jobId: string): Promise<FailedObjectReport[]> {
  const all: FailedObjectReport[] = [];
  let token = '';
  do {
    const page = await rest(world.controlPort, 'GET', `/admin/batch/jobs/${jobId}/failed?page_size=1000${token ? `&page_token=${token}` : ''}`);
    if (page.status !== 200) throw new Error(`GET ${jobId}/failed: ${page.status} ${JSON.stringify(page.body)}`);
    all.push(...(page.body.failed_objects as FailedObjectReport[]));
    token = page.body.next_page_token as string;
  } while (token);
  return all;
}

/** The share of keys whose bodies the destination proxy corrupts on every PUT (chosen by a hash of the key and the seed). */
const CORRUPT_KEY_RATE = 0.01;
/** The destination fills up after this share of the objects was written. */
const FULL_AFTER_SHARE = 0.3;
/**
 * The run ended because the destination breaker tripped, not object by object, and early: "early" is
 * counted in writes, not seconds, so it holds on a machine of any speed and under any interleaving.
 */
function failedByBreaker(reason: RegExp): (ctx: Context, view: JobView) => Promise<void> {
  return async ({ world, jobId, notes, problems }, view) => {
    const p = view.progress;
    if (!reason.test(view.error ?? '')) problems.push(`error ${JSON.stringify(view.error)}, expected ${reason}`);
    const retries = await copierRetries(world, jobId);
    if (retries !== 0) problems.push(`${retries} retries of a refused write`);
    const failed = await failedReport(world, jobId);
    if (failed.length !== p.failed_objects) problems.push(`failed report lists ${failed.length} objects, failed_objects ${p.failed_objects}`);
    // A tripped copier begins nothing more: each copier has at most a streak plus what it had in flight refused.
    const attemptsBound = (world.options.copiers ?? 1) * (DEFAULT_BREAKER_THRESHOLD + JOB_CONCURRENCY);
    const refused = world.destinationProxy!.stats().faulted;
    if (refused > attemptsBound) problems.push(`${refused} writes refused before the run failed, more than the breaker lets through (${attemptsBound})`);
    const retried = failed.filter((f) => f.attempts !== 1);
    if (retried.length > 0) problems.push(`${retried.length} refused objects took more than one attempt, e.g. ${JSON.stringify(retried[0])}`);
    notes.push(
      `error: ${view.error}; completed ${p.completed_objects}, failed ${p.failed_objects}, total ${p.total_objects} of ${world.options.objects}; ` +
        `${refused} writes refused by the proxy; first failed: ${JSON.stringify(failed[0])}`,
    );
  };
}

export const SCENARIOS: Record<string, Scenario> = {
  'kill-control': { during: killAtProgress('control') },
  'kill-lister': { world: { listerSourceLatencyMs: 1500 }, during: killLister },
  'kill-copier': { during: killAtProgress('copier-1') },
  'kill-projector': { during: killAtProgress('projector') },
  'kill-notifier': {
    during: killAtProgress('notifier'),
    async after({ world, jobId, problems }) {
      // The notifier that came back delivers the completion.
      await waitFor('completed webhook', async () => (world.webhooks.some((w) => w.job_id === jobId && w.event === 'completed') ? true : undefined), 30_000).catch(() =>
        problems.push('no completed webhook after the notifier restart'),
      );
    },
  },
  'copier-lost': { world: { copiers: 2 }, during: killAtProgress('copier-2', false) },
  'nats-restart': {
    async during({ world, jobId, random, notes }) {
      const view = await world.waitProcessed(jobId, killFraction(random));
      const node = world.nodes[0]!;
      const stoppedAt = Date.now();
      await node.running!.stop('SIGTERM');
      await world.startNode(node);
      notes.push(`nats-server restarted at ${view.progress.completed_objects}/${world.options.objects} (down ${Date.now() - stoppedAt} ms)`);
    },
  },
  'cluster-leader-kill': {
    world: { cluster: true },
    async during({ world, jobId, random, notes }) {
      const view = await world.waitProcessed(jobId, killFraction(random));
      const jsm = await (await world.natsConnection()).jetstreamManager();
      const leader = (await jsm.streams.info('FERRY_WORK')).cluster?.leader;
      const node = world.nodes.find((n) => n.name === leader);
      if (!node) throw new Error(`no FERRY_WORK leader among ${world.nodes.map((n) => n.name).join(', ')}: ${String(leader)}`);
      await node.running!.stop('SIGKILL');
      notes.push(`FERRY_WORK leader ${leader} killed at ${view.progress.completed_objects}/${world.options.objects}`);
      const next = await waitFor('a new FERRY_WORK leader', async () => {
        const l = (await jsm.streams.info('FERRY_WORK')).cluster?.leader;
        return l && l !== leader ? l : undefined;
      }, 60_000, 200);
      notes.push(`new leader ${next}`);
    },
    async after({ world, notes }) {
      // Start the killed node again: it rejoins the cluster.
      for (const node of world.nodes) if (node.running?.child.exitCode !== null || node.running.child.signalCode !== null) await world.startNode(node);
      notes.push('killed node restarted and healthy');
    },
  },
  'flaky-storage': {
    world: { destinationFaults: { error503Rate: 0.1, resetRate: 0.01, seed: 11 } },
    async after({ world, jobId, notes, problems }) {
      const retries = await copierRetries(world, jobId);
      notes.push(`${world.destinationProxy!.stats().faulted} faults injected, ferry_copy_retries_total ${retries}`);
      if (retries === 0) problems.push('no retries counted in ferry_copy_retries_total');
    },
  },
  'slow-storage': {
    world: { destinationFaults: { latencyMs: 200 } },
    async after({ notes }) {
      notes.push('200 ms added to every destination request');
    },
  },
  'denied-destination': {
    world: { destinationFaults: { denyWrites: true } },
    expect: 'failed',
    endsEarly: true,
    after: failedByBreaker(/^destination refused writes: AccessDenied \(\d+ consecutive objects\); destination bucket \S+ at http:\/\/\S+$/),
  },
  'destination-full': {
    world: ({ objects }) => ({ destinationFaults: { fullAfterWrites: Math.round(FULL_AFTER_SHARE * objects), fullAnswer: STORE_FULL_ANSWERS.minio } }),
    expect: 'failed',
    endsEarly: true,
    watchOutcomes: true,
    async after(ctx, view) {
      await failedByBreaker(/^destination full: XMinioStorageFull \(\d+ consecutive objects\); destination bucket \S+ at http:\/\/\S+$/)(ctx, view);
      const { world, problems, notes } = ctx;
      const copied = [...(await ctx.outcomes!.drain()).values()].filter((o) => o.result === 'copied').map((o) => o.key);
      if (copied.length < view.progress.completed_objects) problems.push(`${copied.length} copied outcomes read, completed_objects ${view.progress.completed_objects}`);
      const lost = await world.lostObjects(copied);
      if (lost.length > 0) problems.push(`reported copied but missing or different: ${lost.slice(0, 5).join(', ')}`);
      notes.push(`${copied.length} objects reported copied, all byte-identical at the destination: ${lost.length === 0}`);
      return { lost: lost.length };
    },
  },
  'corrupted-bytes': {
    world: ({ seed }) => ({ destinationFaults: { corruptBodies: true, corruptObjectsOnly: true, corruptKeys: keySample(CORRUPT_KEY_RATE, seed) } }),
    // Objects that failed end the run failed (libs/domain/decider.ts: runEnding).
    expect: 'failed',
    async after({ world, jobId, notes, problems }, view) {
      const p = view.progress;
      const n = world.options.objects;
      const isCorrupted = keySample(CORRUPT_KEY_RATE, world.options.seed);
      const corrupted = [...world.expected.keys()].filter(isCorrupted).sort();
      const intact = [...world.expected.keys()].filter((key) => !isCorrupted(key));
      if (corrupted.length === 0) problems.push('the seed chose no key to corrupt');
      if (p.failed_objects !== corrupted.length) problems.push(`failed_objects ${p.failed_objects}, ${corrupted.length} keys corrupted`);
      if (p.completed_objects !== intact.length) problems.push(`completed_objects ${p.completed_objects}, ${intact.length} keys intact`);
      if (p.completed_objects + p.failed_objects !== p.total_objects || p.total_objects !== n) problems.push(`completed + failed != total: ${JSON.stringify(p)}`);
      const expectedError = `${corrupted.length} object${corrupted.length === 1 ? '' : 's'} failed`;
      if (view.error !== expectedError) problems.push(`error ${JSON.stringify(view.error)}, expected ${JSON.stringify(expectedError)}`);
      const failed = await failedReport(world, jobId);
      const failedKeys = failed.map((f) => f.key).sort();
      if (JSON.stringify(failedKeys) !== JSON.stringify(corrupted)) problems.push(`failed report ${failedKeys.length} keys, not the ${corrupted.length} corrupted ones: ${failedKeys.slice(0, 5).join(', ')}`);
      const notIntegrity = failed.filter((f) => f.error !== 'checksum mismatch');
      if (notIntegrity.length > 0) problems.push(`${notIntegrity.length} failed without a checksum error, e.g. ${JSON.stringify(notIntegrity[0])}`);
      const notRetried = failed.filter((f) => f.attempts !== JOB_MAX_RETRIES + 1);
      if (notRetried.length > 0) problems.push(`${notRetried.length} corrupted objects not tried ${JOB_MAX_RETRIES + 1} times, e.g. ${JSON.stringify(notRetried[0])}`);
      const leftBehind = await world.presentObjects(corrupted);
      if (leftBehind.length > 0) problems.push(`corrupted objects left at the destination: ${leftBehind.slice(0, 5).join(', ')}`);
      const lost = await world.lostObjects(intact);
      if (lost.length > 0) problems.push(`intact objects missing or different: ${lost.slice(0, 5).join(', ')}`);
      const retries = await copierRetries(world, jobId);
      if (retries < corrupted.length * JOB_MAX_RETRIES) problems.push(`ferry_copy_retries_total ${retries}, expected at least ${corrupted.length * JOB_MAX_RETRIES}`);
      notes.push(
        `${corrupted.length} keys corrupted on every PUT (${world.destinationProxy!.stats().faulted} bodies corrupted): failed ${p.failed_objects} with 'checksum mismatch' after ${JOB_MAX_RETRIES + 1} attempts, ` +
          `none left at the destination; completed ${p.completed_objects} byte-identical; completed + failed = total = ${p.total_objects}; ferry_copy_retries_total ${retries}; error: ${view.error}`,
      );
      return { lost: lost.length };
    },
  },
  secrets: {
    world: { destinationKey: { accessKey: 'CHAOSKEY', secretKey: 'chaos-Secret-7f3a9c1e5b2d4086-sentinel' } },
    async after({ world, jobId, notes, problems }) {
      const secret = world.options.destinationKey!.secretKey;
      const needles = [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')];
      const places: Array<[string, string]> = [];
      const port = world.controlPort;
      for (const path of ['', '/failed', '/errors', '/history', '/notifications'])
        places.push([`GET ${jobId}${path}`, JSON.stringify((await rest(port, 'GET', `/admin/batch/jobs/${jobId}${path}`)).body)]);
      places.push(['GET list', JSON.stringify((await rest(port, 'GET', '/admin/batch/jobs')).body)]);
      for (const service of ['control', ...world.serviceNames()]) {
        const metricsPort = world.metricsPortOf(service);
        if (metricsPort !== undefined) places.push([`${service} /metrics`, await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(30_000) })).text()]);
      }
      for (const { name, proc } of world.allProcesses) places.push([`${name} log`, proc.output()]);
      const events = await readAllEvents(world);
      places.push([`FERRY_EVENTS (${events.length} messages)`, events.join('\n')]);
      for (const [where, text] of places) if (needles.some((needle) => text.includes(needle))) problems.push(`the secret appears in ${where}`);
      if (!events.some((e) => e.includes('JobCreated'))) problems.push('FERRY_EVENTS read without the JobCreated event');
      notes.push(`secret absent from ${places.length} places (API, logs, metrics, ${events.length} raw events)`);
    },
  },
};

/** Every message of FERRY_EVENTS as text, read with an ordered consumer from sequence 1. */
async function readAllEvents(world: World): Promise<string[]> {
  const nc = await world.natsConnection();
  const jsm = await nc.jetstreamManager();
  const last = (await jsm.streams.info('FERRY_EVENTS')).state.last_seq;
  const consumer = await nc.jetstream().consumers.get('FERRY_EVENTS', { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
  const out: string[] = [];
  const messages = await consumer.consume({ max_messages: 1000 });
  for await (const msg of messages) {
    out.push(msg.string());
    if (msg.seq >= last) break;
  }
  messages.stop();
  return out;
}

/**
 * Runs one scenario in a fresh world. With `deadlineMs`, a scenario still under way then is a problem
 * naming the step it was stuck in, reported with every process's last lines, and its world is stopped.
 */
export async function runScenario(name: string, options: { objects: number; seed: number; log?: (line: string) => void; deadlineMs?: number }): Promise<ScenarioResult> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const result: ScenarioResult = { scenario: name, objects: options.objects, ok: false, duplicated: 0, seconds: 0, notes: [], problems: [] };
  let world: World | undefined;
  let outcomes: OutcomeWatch | undefined;
  let step = 'starting the world';
  const scenarioStart = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    if (options.deadlineMs === undefined) return;
    timer = setTimeout(() => reject(new Error(`still ${step} after ${Math.round(options.deadlineMs! / 1000)} s`)), options.deadlineMs);
  });
  const play = async (): Promise<void> => {
    const worldOptions = typeof scenario.world === 'function' ? scenario.world(options) : scenario.world;
    world = await World.start(name, { objects: options.objects, seed: options.seed, log: options.log, ...worldOptions });
    const jobId = `chaos-${name}`;
    const ctx: Context = { world, jobId, random: seededRandom(options.seed * 7919 + name.length), notes: result.notes, problems: result.problems };
    step = 'opening the outcome watch';
    if (scenario.watchOutcomes) outcomes = ctx.outcomes = await world.watchOutcomes(jobId);
    const started = Date.now();
    step = 'starting the job';
    await world.startJob(jobId);
    step = 'running the scenario';
    await scenario.during?.(ctx);
    step = 'waiting for the run to end';
    const view = await world.waitEnded(jobId);
    step = 'checking the result';
    result.seconds = (Date.now() - started) / 1000;
    const p = view.progress;
    const expected = scenario.expect ?? 'completed';
    if (view.status !== expected) result.problems.push(`ended ${view.status}${view.error ? ` (${view.error})` : ''}, expected ${expected}`);
    const processed = p.completed_objects + p.skipped_objects + p.failed_objects;
    // A run failed early totals what was listed by then, which outcomes may run ahead of: compare with the seeded count.
    const ceiling = scenario.endsEarly ? options.objects : p.total_objects;
    result.duplicated = Math.max(0, p.completed_objects - ceiling, processed - ceiling);
    if (result.duplicated > 0) result.problems.push(`counted twice: ${JSON.stringify(p)}`);
    if (scenario.endsEarly ? p.total_objects > options.objects : p.total_objects !== options.objects) result.problems.push(`total_objects ${p.total_objects}, seeded ${options.objects}`);
    if (expected === 'completed') {
      if (p.completed_objects !== p.total_objects) result.problems.push(`completed ${p.completed_objects} of ${p.total_objects}`);
      const lost = await world.lostObjects();
      result.lost = lost.length;
      if (lost.length > 0) result.problems.push(`lost or different: ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', ...' : ''}`);
    }
    const checked = await scenario.after?.(ctx, view, result.seconds);
    if (checked) result.lost = checked.lost;
  };
  try {
    await Promise.race([deadline, play()]);
  } catch (err) {
    result.seconds = (Date.now() - scenarioStart) / 1000;
    result.problems.push(err instanceof Error ? err.message.split('\n').slice(0, 3).join(' | ') : String(err));
    // The problem keeps three lines; the whole error (a process's crash trace) goes to the log.
    options.log?.(`scenario error: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
    if (result.problems.length > 0 && world && options.log) {
      for (const { name: service, proc } of world.allProcesses) options.log(`--- ${service} (last lines) ---\n${proc.output().split('\n').slice(-40).join('\n')}`);
    }
    // A scenario that failed before draining its outcome watch leaves a consumer that would keep the process alive.
    outcomes?.stop();
    await world?.stop().catch(() => undefined);
  }
  result.ok = result.problems.length === 0;
  return result;
}
