import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAIN_SCRIPT } from '../harness/ferryProcess.js';
import { makeTempDir } from '../harness/tempDir.js';

const dir = makeTempDir('startup');
after(() => dir.remove());

function start(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [MAIN_SCRIPT, ...args], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 120_000 });
}

describe('start-up validation', () => {
  it('refuses a config file with a bad value, naming the key, before starting anything', () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, 'batch_replication:\n  max_retries: -3\n');
    const result = start(['--target', 'copier', '--config', file], { NATS_URL: 'nats://127.0.0.1:1' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /invalid configuration: batch_replication\.max_retries: must be between 0 and 100/);
  });

  it('refuses an unknown target', () => {
    const result = start(['--target', 'everything'], {});
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--target: must be one of all, control, /);
  });

  it('needs NATS_URL when it is not starting an embedded server', () => {
    const result = start(['--target', 'projector'], {});
    assert.equal(result.status, 2);
    assert.match(result.stderr, /NATS_URL is required/);
  });
});
