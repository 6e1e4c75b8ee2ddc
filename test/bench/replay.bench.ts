/**
 * Replay speed of the projector: publishes N events (JobCreated, RunStarted, then
 * ObjectsProcessed batches; one stream message = one event) for a few jobs into a
 * real nats-server, then folds them from sequence 1 with `startProjector` in a child
 * process and prints events/s, objects/s and that process's peak RSS.
 * Run: node dist/test/bench/replay.bench.js [events=1000000] [objectsPerEvent=10]
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FerryEvent } from '../../libs/domain/index.js';
import { startNatsServer } from '../../libs/embedded/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { connectNats, encodeJson, ensureTopology, subjects } from '../../libs/nats/index.js';
import { startProjector } from '../../services/projector/projector.js';
import { makeTempDir } from '../harness/tempDir.js';

const JOBS = 4;
const IN_FLIGHT = 512;
const log = createLogger(process.env.LOG_LEVEL ?? 'warn');

if (process.argv[2] === '--project') await project(process.argv[3]!, Number(process.argv[4]));
else await main(Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 10));

/** Child: folds the whole stream from sequence 1 and reports its own time and peak RSS. */
async function project(natsUrl: string, lastSeq: number): Promise<void> {
  const nc = await connectNats(natsUrl, 'replay-bench', log);
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const cpuAtStart = process.cpuUsage();
  const started = process.hrtime.bigint();
  const projector = await startProjector({ nc, log, rebuild: true });
  await projector.waitFor(lastSeq);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuAtStart);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const objects = [...projector.state.jobs.values()].reduce((sum, p) => sum + p.view.progress.completed_objects, 0);
  await projector.stop();
  await nc.close();
  process.send!({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRss, objects, seq: projector.state.seq });
}

async function main(events: number, perEvent: number): Promise<void> {
  const tmp = makeTempDir('replay-bench');
  const nats = await startNatsServer({ storeDir: join(tmp.path, 'nats') });
  try {
    const nc = await connectNats(nats.url, 'replay-bench-publisher', log);
    await ensureTopology(nc, { replicas: 1 });
    const js = nc.jetstream();
    const at = new Date().toISOString();
    const messages: Array<{ subject: string; event: FerryEvent }> = [];
    const jobIds = Array.from({ length: JOBS }, (_, i) => `bench.job-${i}`);
    for (const job_id of jobIds) {
      messages.push({ subject: subjects.job(job_id), event: { type: 'JobCreated', data: { job_id, definition: { job_id, source_bucket: 'src', destination_bucket: 'dst' }, at } } as FerryEvent });
      messages.push({ subject: subjects.job(job_id), event: { type: 'RunStarted', data: { job_id, run: 1, at } } as FerryEvent });
    }
    const outcomeEvents = events - messages.length;
    const started = Date.now();
    const publishStarted = process.hrtime.bigint();
    let published = 0;
    const publishOne = async (i: number) => {
      if (i < messages.length) {
        await js.publish(messages[i]!.subject, encodeJson(messages[i]!.event));
        return;
      }
      const n = i - messages.length;
      const job_id = jobIds[n % JOBS]!;
      const first = Math.floor(n / JOBS) * perEvent;
      // Times advance one second per 20,000 events so the rate window slides as it does live.
      const eventAt = new Date(started + Math.floor(n / 20_000) * 1000).toISOString();
      const outcomes = Array.from({ length: perEvent }, (_, k) => ({
        ordinal: first + k,
        key: `data/object-${first + k}`,
        size: 4096,
        result: 'copied' as const,
        attempts: 1,
        duration_ms: 3,
      }));
      await js.publish(subjects.outcome(job_id), encodeJson({ type: 'ObjectsProcessed', data: { job_id, run: 1, at: eventAt, outcomes } }));
    };
    // Lifecycle first, in order; then outcomes with many publishes in flight.
    for (let i = 0; i < messages.length; i++) await publishOne(i);
    let next = messages.length;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < events) {
          await publishOne(next++);
          published++;
        }
      }),
    );
    const publishSeconds = Number(process.hrtime.bigint() - publishStarted) / 1e9;
    const info = await (await nc.jetstreamManager()).streams.info('FERRY_EVENTS');
    const lastSeq = info.state.last_seq;
    if (info.state.messages !== events) throw new Error(`stream holds ${info.state.messages} events, expected ${events}`);
    await nc.close();
    console.error(`published ${events} events (${outcomeEvents * perEvent} objects) in ${publishSeconds.toFixed(1)} s; folding from sequence 1`);

    // REPLAY_BENCH_PROF=DIR writes a CPU profile of the folding process there.
    const prof = process.env.REPLAY_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.REPLAY_BENCH_PROF}`] : [];
    const child = fork(fileURLToPath(import.meta.url), ['--project', nats.url, String(lastSeq)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: prof });
    const result = await new Promise<{ seconds: number; cpuSeconds: number; peakRss: number; objects: number; seq: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('exit', (code) => reject(new Error(`projector child exited with ${code}`)));
    });
    await new Promise((resolve) => child.once('exit', resolve));
    if (result.objects !== outcomeEvents * perEvent) throw new Error(`folded ${result.objects} objects, expected ${outcomeEvents * perEvent}`);
    console.log(
      JSON.stringify({
        events,
        objects: result.objects,
        publishEventsPerSecond: Math.round(published / publishSeconds),
        seconds: Number(result.seconds.toFixed(2)),
        cpuSeconds: Number(result.cpuSeconds.toFixed(2)),
        eventsPerSecond: Math.round(events / result.seconds),
        objectsPerSecond: Math.round(result.objects / result.seconds),
        peakRssMiB: Math.round(result.peakRss / 2 ** 20),
      }),
    );
  } finally {
    await nats.stop();
    tmp.remove();
  }
}
