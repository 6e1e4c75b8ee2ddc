import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../libs/log/logger.js';
import { startGrpcServer, type RunningGrpcServer, type ServiceHandlers } from '../../libs/transport/index.js';
import { runCli } from '../harness/cliProcess.js';

const TOKEN = 'watch-test-token';

/** A job that advances one step per GetJob call; `final` is where it ends. */
function steppingJob(final: string) {
  const steps = [
    { status: 'pending' },
    { status: 'running', progress: { total_objects: 4, completed_objects: 1, total_bytes: 400, completed_bytes: 100, listing_complete: true } },
    { status: final, progress: { total_objects: 4, completed_objects: final === 'completed' ? 4 : 3, failed_objects: final === 'completed' ? 0 : 1, total_bytes: 400, completed_bytes: 300, listing_complete: true } },
  ];
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    next: (jobId: string) => ({ job_id: jobId, run: 1, ...steps[Math.min(calls++, steps.length - 1)]! }),
  };
}

const cli = (args: string[]) => runCli(args);

// Ferry's own gRPC transport, serving GetJob but not WatchJob (an older control): watch must poll.
describe('ferry jobs watch against a server without WatchJob', () => {
  let server: RunningGrpcServer;
  const jobs = { done: steppingJob('completed'), broken: steppingJob('failed') };

  before(async () => {
    const handlers: ServiceHandlers = {
      GetJob: async ({ job_id }: { job_id: string }) => (job_id === 'done' ? jobs.done : jobs.broken).next(job_id),
    };
    server = await startGrpcServer({ address: '127.0.0.1:0', handlers, tokens: [{ name: 'admin', token: TOKEN, role: 'admin' }], log: createLogger('silent') });
  });

  after(async () => {
    await server?.stop();
  });

  it('falls back to polling GetJob on UNIMPLEMENTED and exits 0 when the job completes', async () => {
    const result = await cli(['--server', `127.0.0.1:${server.port}`, '--token', TOKEN, '-o', 'json', 'jobs', 'watch', 'done']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n').map((l) => JSON.parse(l).status), ['pending', 'running', 'completed']);
    assert.equal(jobs.done.calls, 3);
  });

  it('exits 1 when the polled job fails', async () => {
    const result = await cli(['--server', `127.0.0.1:${server.port}`, '--token', TOKEN, 'jobs', 'watch', 'broken']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /job broken failed/);
    assert.match(result.stderr, /4\/4 objects .* failed {2}1 failed$/m);
  });
});
