import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../libs/config/index.js';
import { makeTempDir } from '../harness/tempDir.js';

const dir = makeTempDir('config');
after(() => dir.remove());

function configFile(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

function rejects(fn: () => unknown, key: RegExp) {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, key);
    return true;
  });
}

describe('configuration', () => {
  it('uses the spec defaults with no file and no environment', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(config.batch, {
      enabled: true,
      maxConcurrentJobs: 5,
      defaultConcurrency: 10,
      maxRetries: 3,
      retryDelayMs: 5000,
      historyLimit: 100,
      checkpointInterval: 1000,
    });
    assert.equal(config.httpAddr, '127.0.0.1:9000');
    assert.equal(config.grpcAddr, '127.0.0.1:9090');
    assert.equal(config.dataDir, './.data');
    assert.equal(config.source, undefined);
  });

  it('reads the spec keys from YAML and lets the environment override them', () => {
    const file = configFile('ok.yaml', 'batch_replication:\n  max_concurrent_jobs: 7\n  retry_delay: 1m30s\n  checkpoint_interval: 50\n');
    const config = loadConfig({ file, env: { FERRY_CHECKPOINT_INTERVAL: '20' } });
    assert.equal(config.batch.maxConcurrentJobs, 7);
    assert.equal(config.batch.retryDelayMs, 90_000);
    assert.equal(config.batch.checkpointInterval, 20);
  });

  it('reads FERRY_CONFIG when no file is given', () => {
    const file = configFile('env.yaml', 'batch_replication:\n  history_limit: 3\n');
    assert.equal(loadConfig({ env: { FERRY_CONFIG: file } }).batch.historyLimit, 3);
  });

  it('takes the source cluster from the environment', () => {
    const config = loadConfig({
      env: { FERRY_SOURCE_ENDPOINT: 'http://127.0.0.1:9100', FERRY_SOURCE_ACCESS_KEY: 'a', FERRY_SOURCE_SECRET_KEY: 'b', FERRY_SOURCE_REGION: 'eu-west-1' },
    });
    assert.deepEqual(config.source, { endpoint: 'http://127.0.0.1:9100', accessKey: 'a', secretKey: 'b', region: 'eu-west-1', taggingCountHeader: true });
  });

  it('trusts the source to report tag counts unless told it does not', () => {
    const env = { FERRY_SOURCE_ENDPOINT: 'http://127.0.0.1:9100', FERRY_SOURCE_ACCESS_KEY: 'a', FERRY_SOURCE_SECRET_KEY: 'b' };
    assert.equal(loadConfig({ env }).source?.taggingCountHeader, true);
    assert.equal(loadConfig({ env: { ...env, FERRY_SOURCE_TAGGING_COUNT_HEADER: 'false' } }).source?.taggingCountHeader, false);
    const file = configFile('tagcount.yaml', 'ferry:\n  source:\n    tagging_count_header: false\n');
    assert.equal(loadConfig({ file, env }).source?.taggingCountHeader, false);
  });

  it("addresses the source as its endpoint suggests unless path_style is set", () => {
    const env = { FERRY_SOURCE_ENDPOINT: 'http://127.0.0.1:9100', FERRY_SOURCE_ACCESS_KEY: 'a', FERRY_SOURCE_SECRET_KEY: 'b' };
    assert.equal(loadConfig({ env }).source?.pathStyle, undefined);
    assert.equal(loadConfig({ env: { ...env, FERRY_SOURCE_PATH_STYLE: 'false' } }).source?.pathStyle, false);
    const file = configFile('pathstyle.yaml', 'ferry:\n  source:\n    path_style: true\n');
    assert.equal(loadConfig({ file, env }).source?.pathStyle, true);
    rejects(() => loadConfig({ env: { ...env, FERRY_SOURCE_PATH_STYLE: 'sometimes' } }), /FERRY_SOURCE_PATH_STYLE|ferry\.source\.path_style/);
  });

  it('stops on bad values with a message naming the key', () => {
    rejects(() => loadConfig({ file: configFile('bad1.yaml', 'batch_replication:\n  max_retries: lots\n'), env: {} }), /batch_replication\.max_retries/);
    rejects(() => loadConfig({ file: configFile('bad2.yaml', 'batch_replication:\n  default_concurrency: 0\n'), env: {} }), /batch_replication\.default_concurrency/);
    rejects(() => loadConfig({ file: configFile('bad3.yaml', 'batch_replication:\n  retry_delay: soon\n'), env: {} }), /batch_replication\.retry_delay/);
    rejects(() => loadConfig({ file: configFile('bad4.yaml', 'batch_replication:\n  max_concurent_jobs: 5\n'), env: {} }), /max_concurent_jobs: unknown key/);
    rejects(() => loadConfig({ file: configFile('bad5.yaml', 'batch_replication: [1, 2\n'), env: {} }), /not valid YAML/);
    rejects(() => loadConfig({ env: { FERRY_MAX_CONCURRENT_JOBS: '-1' } }), /FERRY_MAX_CONCURRENT_JOBS/);
    rejects(() => loadConfig({ env: { FERRY_HTTP_ADDR: 'nine thousand' } }), /ferry\.http_addr/);
    rejects(() => loadConfig({ env: { LOG_LEVEL: 'loud' } }), /ferry\.log_level/);
    rejects(() => loadConfig({ env: { FERRY_SECRET_KEY: 'short' } }), /ferry\.secret_key/);
    rejects(() => loadConfig({ env: { FERRY_SOURCE_ENDPOINT: 'http://x:1', FERRY_SOURCE_ACCESS_KEY: 'a' } }), /ferry\.source\.secret_key.*go together/);
    rejects(() => loadConfig({ env: { FERRY_SOURCE_ENDPOINT: 'http://x:1', FERRY_SOURCE_SECRET_KEY: 'b' } }), /ferry\.source\.access_key.*go together/);
    rejects(() => loadConfig({ file: join(dir.path, 'missing.yaml'), env: {} }), /cannot read/);
  });

  it('leaves the source without keys to the default credential chain', () => {
    const config = loadConfig({ env: { FERRY_SOURCE_ENDPOINT: 'http://x:1' } });
    assert.deepEqual(config.source, { endpoint: 'http://x:1', accessKey: '', secretKey: '', region: 'us-east-1', taggingCountHeader: true });
  });
});
