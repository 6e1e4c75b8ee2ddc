import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nkeys } from 'nats';
import { ConfigError, loadConfig } from '../../libs/config/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { natsConnectionOptions } from '../../libs/nats/index.js';
import { makeTempDir } from '../harness/tempDir.js';
import { makeTestCertificates, type TestCertificates } from '../harness/testCertificates.js';

const SECRET = 'pa55word-that-must-not-leak';

/** loadConfig fails with a ConfigError whose message matches `message` and never holds a secret. */
function refused(env: Record<string, string>, message: RegExp): void {
  assert.throws(
    () => loadConfig({ env }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, message);
      assert.ok(!err.message.includes(SECRET), 'the message holds no secret');
      return true;
    },
  );
}

describe('NATS credentials and TLS settings (ferry.nats.*)', () => {
  const tmp = makeTempDir('config-nats');
  let certs: TestCertificates;
  let seedFile: string;
  let seed: string;

  before(async () => {
    certs = await makeTestCertificates(tmp.path);
    seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    seedFile = join(tmp.path, 'user.nk');
    writeFileSync(seedFile, `${seed}\n`);
  });
  after(() => tmp.remove());

  it('needs nothing: `make run` on loopback connects as before', () => {
    assert.deepEqual(loadConfig({ env: {} }).nats, { auth: { kind: 'none' } });
    const options = natsConnectionOptions('nats://127.0.0.1:4222', 'ferry-all', { client: loadConfig({ env: {} }).nats });
    assert.equal(options.user, undefined);
    assert.equal(options.tls, undefined);
    assert.equal(options.authenticator, undefined);
  });

  it('reads each method from the environment or the file, the environment winning', () => {
    assert.deepEqual(loadConfig({ env: { NATS_USER: 'ferry-copier', NATS_PASSWORD: SECRET } }).nats.auth, { kind: 'user', user: 'ferry-copier', password: SECRET });
    assert.deepEqual(loadConfig({ env: { NATS_TOKEN: SECRET } }).nats.auth, { kind: 'token', token: SECRET });
    const nkey = loadConfig({ env: { NATS_NKEY: seedFile } }).nats.auth;
    assert.equal(nkey.kind, 'nkey');
    assert.equal(nkey.kind === 'nkey' && new TextDecoder().decode(nkey.seed), seed, 'the seed, trimmed');
    const file = join(tmp.path, 'ferry.yaml');
    writeFileSync(file, `ferry:\n  nats:\n    user: from-file\n    password: file-pass\n    tls:\n      ca_file: ${certs.caFile}\n`);
    assert.deepEqual(loadConfig({ file, env: {} }).nats, { auth: { kind: 'user', user: 'from-file', password: 'file-pass' }, tls: { caFile: certs.caFile } });
    assert.deepEqual(loadConfig({ file, env: { NATS_USER: 'from-env', NATS_PASSWORD: SECRET } }).nats.auth, { kind: 'user', user: 'from-env', password: SECRET });
  });

  it('builds nats.js options: user and password, token, an authenticator for NKeys, TLS files re-read at each reconnect', () => {
    const user = natsConnectionOptions('nats://a:4222,nats://b:4222', 'ferry-copier', {
      client: loadConfig({ env: { NATS_USER: 'ferry-copier', NATS_PASSWORD: SECRET, NATS_CA: certs.caFile, NATS_CERT: certs.certFile, NATS_KEY: certs.keyFile } }).nats,
      inboxPrefix: '_INBOX.copier',
    });
    assert.deepEqual([user.servers, user.user, user.pass, user.inboxPrefix], [['nats://a:4222', 'nats://b:4222'], 'ferry-copier', SECRET, '_INBOX.copier']);
    assert.deepEqual(user.tls, { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile });
    assert.equal(natsConnectionOptions('nats://a:4222', 'x', { client: loadConfig({ env: { NATS_TOKEN: SECRET } }).nats }).token, SECRET);
    assert.equal(typeof natsConnectionOptions('nats://a:4222', 'x', { client: loadConfig({ env: { NATS_NKEY: seedFile } }).nats }).authenticator, 'function');
  });

  it('refuses half a pair, two methods at once, and files that are missing or not what they claim', () => {
    refused({ NATS_USER: 'ferry-copier' }, /ferry\.nats\.password \(NATS_PASSWORD\): NATS_USER and NATS_PASSWORD go together/);
    refused({ NATS_PASSWORD: SECRET }, /ferry\.nats\.user \(NATS_USER\): NATS_USER and NATS_PASSWORD go together/);
    refused({ NATS_USER: 'u', NATS_PASSWORD: SECRET, NATS_TOKEN: SECRET }, /give one way of authenticating to NATS, not ferry\.nats\.user \(NATS_USER\) and ferry\.nats\.token \(NATS_TOKEN\)/);
    refused({ NATS_NKEY: join(tmp.path, 'missing.nk') }, /ferry\.nats\.nkey_seed_file \(NATS_NKEY\): cannot read the NKey seed file/);
    const notSeed = join(tmp.path, 'not-a-seed');
    writeFileSync(notSeed, SECRET);
    refused({ NATS_NKEY: notSeed }, /does not hold a user NKey seed/);
    refused({ NATS_CREDS: notSeed }, /ferry\.nats\.creds_file \(NATS_CREDS\): .* is not a NATS \.creds file/);
    refused({ NATS_CA: join(tmp.path, 'missing.pem') }, /ferry\.nats\.tls\.ca_file \(NATS_CA\): cannot read the CA file/);
    refused({ NATS_CA: notSeed }, /ferry\.nats\.tls\.ca_file \(NATS_CA\): .* holds no PEM certificate/);
    refused({ NATS_CERT: certs.certFile }, /ferry\.nats\.tls\.key_file \(NATS_KEY\): the client certificate and its key go together/);
    refused({ NATS_CERT: certs.keyFile, NATS_KEY: certs.keyFile }, /ferry\.nats\.tls\.cert_file \(NATS_CERT\): .* is not a PEM certificate/);
    refused({ NATS_CERT: certs.certFile, NATS_KEY: certs.certFile }, /ferry\.nats\.tls\.key_file \(NATS_KEY\): .* is not a PEM private key/);
  });

  it('never logs a NATS password, even one a caller puts in a log line by mistake', () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      createLogger('info').info({ nats: { user: 'ferry-copier', password: SECRET, pass: SECRET } }, 'connecting');
    } finally {
      process.stdout.write = write;
    }
    assert.ok(lines.join('').includes('ferry-copier'));
    assert.ok(!lines.join('').includes(SECRET), lines.join(''));
  });
});
