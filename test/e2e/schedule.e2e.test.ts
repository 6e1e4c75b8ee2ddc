import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { createBucket, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitForProgress } from '../harness/waitFor.js';

interface HistoryEntry {
  type: string;
  run: number;
  details_json: string;
}

/** A schedule every 2 s, watched by two control processes: each firing is recorded once, by one of them. */
describe('job schedules with two control processes', () => {
  let env: TestEnv;
  let proxy: FaultProxy;
  let all: FerryProcess;
  let control: FerryProcess;

  before(async () => {
    env = await startTestEnv('schedule', 2);
    const source = testS3Client(env.s3[0]!.endpoint);
    await createBucket(source, 'src');
    await createBucket(testS3Client(env.s3[1]!.endpoint), 'dst');
    await putObjects(source, 'src', Array.from({ length: 3 }, (_, i) => ({ key: `k/${i}`, body: Buffer.from(`object ${i}`) })));
    // Each request to the destination waits, so a run outlasts the 2 s between firings and the next firing finds it active.
    proxy = await startFaultProxy(env.s3[1]!.endpoint, { latencyMs: 1_500 });
    const servers = { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint };
    all = await startFerry('all', { ...servers, dataDir: join(env.dir, 'a') });
    control = await startFerry('control', { ...servers, dataDir: join(env.dir, 'b') });
  });

  after(async () => {
    await control?.stop();
    await all?.stop();
    await proxy?.stop();
    await env?.stop();
  });

  const history = async (jobId: string): Promise<HistoryEntry[]> => {
    const res = await rest(all.httpPort!, 'GET', `/admin/batch/jobs/${jobId}/history?page_size=1000`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.events ?? [];
  };

  it('refuses a bad cron or time zone, naming the field', async () => {
    const base = { job_id: 'bad', source_bucket: 'src', destination_bucket: 'dst' };
    const badCron = await rest(all.httpPort!, 'POST', '/admin/batch/jobs', { ...base, schedule: { cron: 'nightly', timezone: 'UTC' } });
    assert.equal(badCron.status, 400);
    assert.match(JSON.stringify(badCron.body), /schedule\.cron/);
    const badZone = await rest(all.httpPort!, 'POST', '/admin/batch/jobs', { ...base, schedule: { cron: '0 2 * * *', timezone: 'Europe/Atlantis' } });
    assert.equal(badZone.status, 400);
    assert.match(JSON.stringify(badZone.body), /schedule\.timezone/);
  });

  it('starts runs at firings, skips firings while a run is active, and records each firing once', async () => {
    const created = await rest(all.httpPort!, 'POST', '/admin/batch/jobs', {
      job_id: 'every-2s',
      source_bucket: 'src',
      destination_bucket: 'dst',
      destination_endpoint: proxy.endpoint,
      destination_access_key: 'S3RVER',
      destination_secret_key: 'S3RVER',
      schedule: { cron: '*/2 * * * * *', timezone: 'Europe/Paris' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(created.body.schedule, { cron: '*/2 * * * * *', timezone: 'Europe/Paris' });

    // Read through the second control process: next_run_at is computed there too.
    const shown = await rest(control.httpPort!, 'GET', '/admin/batch/jobs/every-2s');
    assert.equal(shown.status, 200);
    assert.match(shown.body.next_run_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d[02468]\.000Z$/);

    // How long this takes depends on the machine: wait while the runs move (their events and object counts).
    // Skips are not counted as movement beyond the first, since a stuck run would be skipped past every 2 s forever.
    const events = await waitForProgress(
      'two completed scheduled runs and a skipped firing',
      async () => {
        const entries = await history('every-2s');
        const completed = entries.filter((e) => e.type === 'RunCompleted').length;
        const skipped = entries.filter((e) => e.type === 'ScheduledRunSkipped').length;
        const { run, progress } = (await rest(all.httpPort!, 'GET', '/admin/batch/jobs/every-2s')).body;
        return {
          done: completed >= 2 && skipped >= 1 ? entries : undefined,
          progress: [entries.filter((e) => e.type !== 'ScheduledRunSkipped').length, skipped > 0, run, progress?.completed_objects, progress?.skipped_objects],
        };
      },
      { intervalMs: 250 },
    );

    // A firing that found no free slot is queued, then started by the scheduler: both name it, as one firing of one run.
    const byRun = new Map<string, string | undefined>();
    for (const e of events.filter((e) => e.type === 'RunStarted' || e.type === 'RunQueued' || e.type === 'ScheduledRunSkipped')) {
      const details = JSON.parse(e.details_json) as { scheduled_for?: string; fire_time?: string };
      const firing = details.scheduled_for ?? details.fire_time;
      const key = e.type === 'ScheduledRunSkipped' ? `skipped ${firing}` : `run ${e.run}`;
      if (byRun.has(key) && byRun.get(key) !== firing) assert.fail(`run ${e.run} names two firings: ${byRun.get(key)} and ${firing}`);
      byRun.set(key, firing);
    }
    const firings = [...byRun.values()];
    assert.ok(firings.every((t) => t !== undefined), 'every run of this job was started by its schedule');
    assert.equal(new Set(firings).size, firings.length, `a firing was recorded twice: ${firings.join(', ')}`);
    for (const t of firings) assert.equal(new Date(t!).getUTCSeconds() % 2, 0, `${t} is not a firing of */2`);
    const sorted = [...firings].sort();
    assert.deepEqual(firings, sorted, 'firings are recorded in time order');

    const view = await rest(control.httpPort!, 'GET', '/admin/batch/jobs/every-2s');
    assert.ok(view.body.runs.length >= 2);
    assert.ok(Date.parse(view.body.next_run_at) > Date.parse(view.body.last_fire_time ?? '1970-01-01T00:00:00Z'));
  });
});
