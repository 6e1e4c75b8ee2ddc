import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../libs/config/index.js';
import { makeTempDir } from '../harness/tempDir.js';

const dir = makeTempDir('config-bad-values');
after(() => dir.remove());

/** Each bad file stops loading with a ConfigError whose message names the key (or the file, for syntax). */
const BAD_FILES: Array<[string, string, RegExp]> = [
  ['negative default_concurrency', 'batch_replication:\n  default_concurrency: -4\n', /batch_replication\.default_concurrency: must be between 1 and 1000, got -4/],
  ['fractional max_retries', 'batch_replication:\n  max_retries: 2.5\n', /batch_replication\.max_retries: must be an integer/],
  ['duration without a unit', 'batch_replication:\n  retry_delay: 5\n', /batch_replication\.retry_delay: must be a duration/],
  ['"yes" for a boolean', 'batch_replication:\n  enabled: yes\n', /batch_replication\.enabled: must be true or false/],
  ['non-numeric port', 'ferry:\n  http_addr: "127.0.0.1:abc"\n', /ferry\.http_addr: must be host:port/],
  ['port over 65535', 'ferry:\n  grpc_addr: "127.0.0.1:70000"\n', /ferry\.grpc_addr: must be host:port/],
  ['empty port', 'ferry:\n  metrics_addr: "127.0.0.1:"\n', /ferry\.metrics_addr: must be host:port/],
  ['unknown log level', 'ferry:\n  log_level: verbose\n', /ferry\.log_level: must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"/],
  ['mapping for a string', 'ferry:\n  data_dir: {a: 1}\n', /ferry\.data_dir: must be a string/],
  ['unknown nested key', 'ferry:\n  copier:\n    slotz: 4\n', /ferry\.copier\.slotz: unknown key/],
  ['unknown top-level key', 'batch_replicaton:\n  enabled: true\n', /batch_replicaton: unknown key/],
  ['section given as a scalar', 'batch_replication: 5\n', /batch_replication: must be a mapping/],
  ['section given as a list', 'ferry:\n  - data_dir\n', /ferry: must be a mapping/],
  ['file that is a list', '- batch_replication\n- ferry\n', /config: must be a mapping/],
  ['file that is a scalar', 'max_retries=3\n', /config: must be a mapping/],
  ['malformed YAML', 'batch_replication:\n  max_retries: 3\n   retry_delay: 5s\n', /config: .*bad-malformed-YAML\.yaml is not valid YAML: .*line 2/],
  ['duplicate key', 'batch_replication:\n  max_retries: 3\n  max_retries: 4\n', /is not valid YAML: Map keys must be unique/],
  ['tokens given as a mapping', 'ferry:\n  auth:\n    tokens: {name: a}\n', /ferry\.auth\.tokens: must be a list/],
  ['a token without a role', 'ferry:\n  auth:\n    tokens:\n      - {name: alice, token: alice-token-0123456789}\n', /ferry\.auth\.tokens\[0\]\.role: must be admin or read/],
  ['a token both plain and hashed', `ferry:\n  auth:\n    tokens:\n      - {name: alice, role: read, token: alice-token-0123456789, token_sha256: ${'a'.repeat(64)}}\n`, /ferry\.auth\.tokens\[0\]: give exactly one of token and token_sha256/],
  ['a short token', 'ferry:\n  auth:\n    tokens:\n      - {name: alice, role: read, token: short}\n', /ferry\.auth\.tokens\[0\]\.token: must be at least 16 characters/],
  ['a digest that is not SHA-256', 'ferry:\n  auth:\n    tokens:\n      - {name: alice, role: read, token_sha256: abc}\n', /ferry\.auth\.tokens\[0\]\.token_sha256: must be the token's SHA-256/],
  ['a name given twice', `ferry:\n  auth:\n    tokens:\n      - {name: bob, role: read, token_sha256: ${'a'.repeat(64)}}\n      - {name: bob, role: admin, token_sha256: ${'b'.repeat(64)}}\n`, /ferry\.auth\.tokens\[1\]\.name: bob is given twice/],
  ['the name of the admin token', `ferry:\n  auth:\n    tokens:\n      - {name: admin, role: admin, token_sha256: ${'a'.repeat(64)}}\n`, /ferry\.auth\.tokens\[0\]\.name: admin is the name of ferry\.admin_token/],
  ['an unknown token field', `ferry:\n  auth:\n    tokens:\n      - {name: bob, role: read, token_sha256: ${'a'.repeat(64)}, expires: never}\n`, /ferry\.auth\.tokens\[0\]\.expires: unknown key/],
];

/** Environment overrides name the variable and the key it sets. */
const BAD_ENV: Array<[string, string, RegExp]> = [
  ['FERRY_DEFAULT_CONCURRENCY', '-3', /FERRY_DEFAULT_CONCURRENCY \(batch_replication\.default_concurrency\): must be between 1 and 1000/],
  ['FERRY_GRPC_ADDR', '127.0.0.1:abc', /FERRY_GRPC_ADDR \(ferry\.grpc_addr\): must be host:port/],
  ['LOG_LEVEL', 'LOUD', /LOG_LEVEL \(ferry\.log_level\): must be one of/],
  ['FERRY_MAX_RETRIES', '3.0', /FERRY_MAX_RETRIES \(batch_replication\.max_retries\): must be an integer/],
  ['FERRY_WORK_ACK_WAIT', 'soon', /FERRY_WORK_ACK_WAIT \(ferry\.copier\.ack_wait\): must be a duration/],
  ['FERRY_PARTS_IN_FLIGHT', '0', /FERRY_PARTS_IN_FLIGHT \(ferry\.copier\.parts_in_flight\): must be between 1 and 64/],
  ['FERRY_STALE_UPLOAD_AGE', 'a day', /FERRY_STALE_UPLOAD_AGE \(ferry\.copier\.stale_upload_age\): must be a duration/],
  ['FERRY_STALE_UPLOAD_AGE', '30s', /ferry\.copier\.stale_upload_age: must be at least 1m \(FERRY_STALE_UPLOAD_AGE\), got 30s/],
  ['FERRY_AUTH_TOKENS', '[{name: "a"}]', /FERRY_AUTH_TOKENS \(ferry\.auth\.tokens\): must be a JSON list/],
];

function assertRefused(load: () => unknown, message: RegExp): void {
  assert.throws(load, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /^invalid configuration: /);
    assert.match(err.message, message);
    return true;
  });
}

describe('configuration: bad values stop loading, naming the key', () => {
  for (const [name, text, message] of BAD_FILES) {
    it(`refuses a file with ${name}`, () => {
      const file = join(dir.path, `bad-${name.replace(/[^A-Za-z0-9_]+/g, '-')}.yaml`);
      writeFileSync(file, text);
      assertRefused(() => loadConfig({ file, env: {} }), message);
    });
  }

  for (const [variable, value, message] of BAD_ENV) {
    it(`refuses ${variable}=${JSON.stringify(value)}`, () => {
      assertRefused(() => loadConfig({ env: { [variable]: value } }), message);
    });
  }

  it('reads named tokens from the file and from FERRY_AUTH_TOKENS as JSON', () => {
    const file = join(dir.path, 'tokens.yaml');
    writeFileSync(file, `ferry:\n  auth:\n    tokens:\n      - {name: alice, role: admin, token_sha256: ${'A'.repeat(64)}}\n      - {name: ci, role: read, token: ci-token-0123456789}\n`);
    assert.deepEqual(loadConfig({ file, env: {} }).authTokens, [
      { name: 'alice', role: 'admin', token_sha256: 'a'.repeat(64) },
      { name: 'ci', role: 'read', token: 'ci-token-0123456789' },
    ]);
    const env = { FERRY_AUTH_TOKENS: JSON.stringify([{ name: 'bob', role: 'read', token: 'bob-token-0123456789' }]) };
    assert.deepEqual(loadConfig({ file, env }).authTokens, [{ name: 'bob', role: 'read', token: 'bob-token-0123456789' }]);
    assert.deepEqual(loadConfig({ env: {} }).authTokens, []);
  });

  it('sends 4 parts of an object at once unless ferry.copier.parts_in_flight says otherwise', () => {
    assert.equal(loadConfig({ env: {} }).copier.partsInFlight, 4);
    assert.equal(loadConfig({ env: { FERRY_PARTS_IN_FLIGHT: '8' } }).copier.partsInFlight, 8);
  });

  it('sweeps recorded multipart uploads not written for 24h unless ferry.copier.stale_upload_age says otherwise', () => {
    assert.equal(loadConfig({ env: {} }).copier.staleUploadAgeMs, 24 * 3_600_000);
    assert.equal(loadConfig({ env: { FERRY_STALE_UPLOAD_AGE: '90m' } }).copier.staleUploadAgeMs, 90 * 60_000);
  });

  it('still accepts an empty file and an empty section', () => {
    const empty = join(dir.path, 'empty.yaml');
    writeFileSync(empty, '');
    assert.equal(loadConfig({ file: empty, env: {} }).batch.maxRetries, 3);
    const emptySection = join(dir.path, 'empty-section.yaml');
    writeFileSync(emptySection, 'batch_replication:\nferry:\n  log_level: warn\n');
    const config = loadConfig({ file: emptySection, env: {} });
    assert.equal(config.batch.maxRetries, 3);
    assert.equal(config.logLevel, 'warn');
  });
});
