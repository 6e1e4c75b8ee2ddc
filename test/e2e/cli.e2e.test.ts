import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { startFerry, TEST_TOKEN, type FerryProcess } from '../harness/ferryProcess.js';
import { createBucket, listKeys, putObjects, testS3Client } from '../harness/s3TestClient.js';
import { startTestEnv, type TestEnv } from '../harness/testEnv.js';
import { waitFor } from '../harness/waitFor.js';
import { runCli } from '../harness/cliProcess.js';



describe('ferry CLI against a running Ferry (nats-server + s3rver + ferry --target all)', () => {
  let env: TestEnv;
  let ferry: FerryProcess;
  let source: S3Client;
  let cliEnv: Record<string, string>;

  /** Runs the built CLI to completion, as an operator's shell would. */
  const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { ...cliEnv, ...extraEnv });

  before(async () => {
    env = await startTestEnv('cli');
    source = testS3Client(env.s3[0]!.endpoint);
    for (const bucket of ['photos', 'copy-yaml', 'copy-json']) await createBucket(source, bucket);
    await putObjects(
      source,
      'photos',
      Array.from({ length: 40 }, (_, i) => ({ key: `${i % 2 ? 'raw' : 'web'}/img-${i}.jpg`, body: Buffer.alloc(1000 + i, i) })),
    );
    // `jobs watch` of a failing run needs one (its source bucket missing): the start-time bucket check would refuse it first.
    ferry = await startFerry('all', { natsUrl: env.nats.url, sourceEndpoint: env.s3[0]!.endpoint, dataDir: join(env.dir, 'ferry'), extraEnv: { FERRY_CHECK_ON_START: 'false' } });
    cliEnv = { FERRY_SERVER: `127.0.0.1:${ferry.grpcPort}`, FERRY_ADMIN_TOKEN: TEST_TOKEN };
    writeFileSync(
      join(env.dir, 'web.yaml'),
      'job_id: web-copy\nsource_bucket: photos\ndestination_bucket: copy-yaml\nprefix: web/\nconcurrency: 4\ntags: {}\ndescription: from YAML\n',
    );
    writeFileSync(join(env.dir, 'all.json'), JSON.stringify({ job_id: 'all-copy', source_bucket: 'photos', destination_bucket: 'copy-json' }));
    writeFileSync(join(env.dir, 'missing.json'), JSON.stringify({ job_id: 'no-source', source_bucket: 'does-not-exist', destination_bucket: 'copy-json' }));
    writeFileSync(join(env.dir, 'typo.yaml'), 'job_id: typo\nsource_bucket: photos\ndestination_bucket: copy-json\nconcurency: 3\n');
  });

  after(async () => {
    await ferry?.stop();
    await env?.stop();
  });

  it('creates jobs from a YAML file and a JSON file, then lists and gets them as tables and JSON', async () => {
    const yaml = await cli(['jobs', 'create', '-f', join(env.dir, 'web.yaml')]);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^id\s+web-copy$/m);
    assert.match(yaml.stdout, /^status\s+pending$/m);

    const json = await cli(['--output', 'json', 'jobs', 'create', '-f', join(env.dir, 'all.json')]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).job_id, 'all-copy');

    // Lists answer from the read model, which the projector updates just after a create.
    const table = await waitFor('both jobs listed', async () => {
      const result = await cli(['jobs', 'list']);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.trim().split('\n').length === 3 ? result : undefined;
    }, 120_000);
    const [header, ...rows] = table.stdout.trim().split('\n');
    assert.match(header!, /^ID\s+STATUS\s+RUN\s+OBJECTS\s+BYTES\s+RATE$/);
    assert.deepEqual(rows.map((r) => r.split(/\s+/).slice(0, 3)).sort(), [['all-copy', 'pending', '0'], ['web-copy', 'pending', '0']]);

    const listed = await cli(['jobs', 'list', '-o', 'json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).jobs.map((j: { job_id: string }) => j.job_id).sort(), ['all-copy', 'web-copy']);

    const got = await cli(['jobs', 'get', 'web-copy', '--output', 'json']);
    assert.equal(got.code, 0, got.stderr);
    const job = JSON.parse(got.stdout);
    assert.equal(job.prefix, 'web/');
    assert.equal(job.description, 'from YAML');
    assert.equal(job.concurrency, 4);
  });

  it('starts a job and watches it to completion with a progress line, exiting 0', async () => {
    const started = await cli(['jobs', 'start', 'web-copy']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /job web-copy running \(run 1\)/);

    const watched = await cli(['jobs', 'watch', 'web-copy']);
    assert.equal(watched.code, 0, `${watched.stdout}\n${watched.stderr}`);
    assert.match(watched.stdout, /job web-copy completed/);
    assert.match(watched.stderr, /\[#{30}\] 100%\s+20\/20 objects/);
    assert.equal((await listKeys(source, 'copy-yaml')).length, 20);

    const history = await cli(['jobs', 'history', 'web-copy']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /JobCreated/);
    assert.match(history.stdout, /RunCompleted/);

    const failed = await cli(['jobs', 'failed', 'web-copy', '-o', 'json']);
    assert.equal(failed.code, 0, failed.stderr);
    assert.deepEqual(JSON.parse(failed.stdout).failed_objects, []);
    const errors = await cli(['jobs', 'errors', 'web-copy']);
    assert.equal(errors.code, 0, errors.stderr);
    assert.match(errors.stdout, /^TIME\s+RUN\s+KEY\s+ERROR$/m);
  });

  it('streams the job as JSON lines under --output json and ends on its final state', async () => {
    assert.equal((await cli(['jobs', 'start', 'all-copy'])).code, 0);
    const watched = await cli(['-o', 'json', 'jobs', 'watch', 'all-copy']);
    assert.equal(watched.code, 0, watched.stderr);
    const states = watched.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(states.at(-1).status, 'completed');
    assert.equal(states.at(-1).progress.completed_objects, 40);
  });

  it('exits non-zero from watch when the job fails (its source bucket does not exist)', async () => {
    assert.equal((await cli(['jobs', 'create', '-f', join(env.dir, 'missing.json')])).code, 0);
    assert.equal((await cli(['jobs', 'start', 'no-source'])).code, 0);
    const watched = await cli(['jobs', 'watch', 'no-source']);
    assert.equal(watched.code, 1, `${watched.stdout}\n${watched.stderr}`);
    assert.match(watched.stdout, /job no-source failed/);
  });

  it("prints the server's error and exits 1 for an unknown job", async () => {
    const result = await cli(['jobs', 'start', 'nobody-made-this']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^ferry: NOT_FOUND: .*nobody-made-this/m);
    assert.equal(result.stdout, '');
  });

  it('exits 1 with UNAUTHENTICATED for a bad token', async () => {
    const result = await cli(['jobs', 'list', '--token', 'not-the-token']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /UNAUTHENTICATED/);
  });

  it('exits 2 on usage errors: a missing ID, an unknown field in a job file, an unknown flag', async () => {
    for (const args of [['jobs', 'get'], ['jobs', 'create', '-f', join(env.dir, 'typo.yaml')], ['jobs', 'list', '--verbose']]) {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    const typo = await cli(['jobs', 'create', '-f', join(env.dir, 'typo.yaml')]);
    assert.match(typo.stderr, /unknown job field\(s\): concurency/);
  });
});
