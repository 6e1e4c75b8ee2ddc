import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../libs/log/logger.js';
import { startGrpcServer, type RunningGrpcServer, type ServiceHandlers } from '../../libs/transport/index.js';

const CLI_SCRIPT = fileURLToPath(new URL('../../services/cli/main.js', import.meta.url));
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

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_SCRIPT, ...args], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
