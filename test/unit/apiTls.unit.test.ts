import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../libs/config/index.js';
import { checkServingCertificate, ServingCertificateError } from '../../libs/domain/index.js';
import { parseCliArgs, UsageError } from '../../services/cli/args.js';
import { makeTempDir } from '../harness/tempDir.js';
import { makeApiTestCertificates, type ApiTestCertificates } from '../harness/testCertificates.js';

const dir = makeTempDir('api-tls-settings');
let certs: ApiTestCertificates;
const read = (file: string) => readFileSync(file, 'utf8');

before(async () => {
  certs = await makeApiTestCertificates(dir.path);
});
after(() => dir.remove());

function rejects(env: Record<string, string>, message: RegExp) {
  assert.throws(
    () => loadConfig({ env }),
    (err: Error) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('ferry.api_tls settings', () => {
  it('are off by default: both ports in plain text, as make run serves them', () => {
    assert.equal(loadConfig({ env: {} }).apiTls, undefined);
  });

  it('take the certificate, its key, a client CA and the reload interval from the environment', () => {
    const config = loadConfig({
      env: { FERRY_API_TLS_CERT: certs.server.certFile, FERRY_API_TLS_KEY: certs.server.keyFile, FERRY_API_TLS_CLIENT_CA: certs.caFile, FERRY_API_TLS_RELOAD_INTERVAL: '2s' },
    });
    assert.deepEqual(config.apiTls, { certFile: certs.server.certFile, keyFile: certs.server.keyFile, clientCaFile: certs.caFile, reloadIntervalMs: 2000 });
    const file = join(dir.path, 'ferry.yaml');
    writeFileSync(file, `ferry:\n  api_tls:\n    cert_file: ${certs.server.certFile}\n    key_file: ${certs.server.keyFile}\n`);
    assert.deepEqual(loadConfig({ file, env: {} }).apiTls, { certFile: certs.server.certFile, keyFile: certs.server.keyFile, reloadIntervalMs: 10_000 });
  });

  it('stop the start naming the setting: a certificate without its key, a key without its certificate, a client CA without either', () => {
    rejects({ FERRY_API_TLS_CERT: certs.server.certFile }, /ferry\.api_tls\.key_file \(FERRY_API_TLS_KEY\): is needed with ferry\.api_tls\.cert_file/);
    rejects({ FERRY_API_TLS_KEY: certs.server.keyFile }, /ferry\.api_tls\.cert_file \(FERRY_API_TLS_CERT\): is needed with ferry\.api_tls\.key_file/);
    rejects({ FERRY_API_TLS_CLIENT_CA: certs.caFile }, /ferry\.api_tls\.client_ca_file \(FERRY_API_TLS_CLIENT_CA\): asks clients for certificates over TLS/);
  });

  it('stop the start naming the file at fault: unreadable, not PEM, the wrong key, a client CA that is not a certificate', () => {
    const env = { FERRY_API_TLS_CERT: certs.server.certFile, FERRY_API_TLS_KEY: certs.server.keyFile };
    rejects({ ...env, FERRY_API_TLS_CERT: join(dir.path, 'absent.pem') }, /ferry\.api_tls\.cert_file \(FERRY_API_TLS_CERT\): cannot read .*absent\.pem: ENOENT/);
    rejects({ ...env, FERRY_API_TLS_CERT: certs.server.keyFile }, /ferry\.api_tls\.cert_file \(FERRY_API_TLS_CERT\): .*holds no PEM certificate/);
    rejects({ ...env, FERRY_API_TLS_KEY: certs.client.keyFile }, /ferry\.api_tls\.key_file \(FERRY_API_TLS_KEY\): .*is not the key of the certificate \(CN=ferry-control, serial [0-9A-F]+\)/);
    rejects({ ...env, FERRY_API_TLS_KEY: certs.server.certFile }, /ferry\.api_tls\.key_file \(FERRY_API_TLS_KEY\): .*is not a readable unencrypted PEM private key/);
    rejects({ ...env, FERRY_API_TLS_CLIENT_CA: certs.server.keyFile }, /ferry\.api_tls\.client_ca_file \(FERRY_API_TLS_CLIENT_CA\): .*holds no PEM certificate/);
    rejects({ ...env, FERRY_API_TLS_RELOAD_INTERVAL: '0s' }, /FERRY_API_TLS_RELOAD_INTERVAL\): must be more than 0/);
  });
});

describe('the served certificate check', () => {
  it('describes the certificate it accepts', () => {
    const served = checkServingCertificate({ cert: read(certs.server.certFile), key: read(certs.server.keyFile), clientCa: read(certs.caFile) });
    const x509 = new X509Certificate(read(certs.server.certFile));
    assert.equal(served.serial, x509.serialNumber);
    assert.equal(served.fingerprint256, x509.fingerprint256);
    assert.equal(served.subject, 'CN=ferry-control');
    assert.deepEqual(served.clientCas, ['CN=Ferry API test CA']);
  });

  it('refuses an expired certificate, naming when it expired', () => {
    const cert = read(certs.server.certFile);
    const later = new Date(new X509Certificate(cert).validTo).getTime() + 1000;
    assert.throws(
      () => checkServingCertificate({ cert, key: read(certs.server.keyFile) }, new Date(later)),
      (err: Error) => err instanceof ServingCertificateError && err.part === 'cert' && /expired on \d{4}-/.test(err.message),
    );
  });
});

describe('the CLI over TLS', () => {
  it('speaks plain text to a bare HOST:PORT, as before, and TLS to grpcs:// or when given a CA or a client certificate', () => {
    assert.equal(parseCliArgs(['jobs', 'list'], {}).tls, undefined);
    assert.deepEqual(parseCliArgs(['--server', 'grpcs://ferry:9090', 'jobs', 'list'], {}).tls, {});
    assert.equal(parseCliArgs(['--server', 'grpcs://ferry:9090', 'jobs', 'list'], {}).server, 'ferry:9090');
    assert.deepEqual(parseCliArgs(['--ca', 'ca.pem', 'jobs', 'list'], {}), { ...parseCliArgs(['jobs', 'list'], {}), tls: { ca: 'ca.pem' } });
    const fromEnv = parseCliArgs(['jobs', 'list'], { FERRY_SERVER: 'ferry:9090', FERRY_CA: 'ca.pem', FERRY_CERT: 'me.pem', FERRY_KEY: 'me.key' });
    assert.deepEqual([fromEnv.server, fromEnv.tls], ['ferry:9090', { ca: 'ca.pem', cert: 'me.pem', key: 'me.key' }]);
    assert.deepEqual(parseCliArgs(['--ca', 'flag.pem', 'jobs', 'list'], { FERRY_CA: 'env.pem' }).tls, { ca: 'flag.pem' });
    assert.equal(parseCliArgs(['--server', 'grpc://ferry:9090', 'jobs', 'list'], {}).tls, undefined);
    assert.deepEqual(parseCliArgs(['--server-name', 'ferry-control', 'jobs', 'list'], {}).tls, { serverName: 'ferry-control' });
    assert.deepEqual(parseCliArgs(['jobs', 'list'], { FERRY_SERVER_NAME: 'ferry-control' }).tls, { serverName: 'ferry-control' });
  });

  it('refuses a certificate without its key, TLS files with grpc://, and other schemes', () => {
    assert.throws(() => parseCliArgs(['--cert', 'me.pem', 'jobs', 'list'], {}), (err: Error) => err instanceof UsageError && /--cert needs --key/.test(err.message));
    assert.throws(() => parseCliArgs(['--key', 'me.key', 'jobs', 'list'], {}), /--key needs --cert/);
    assert.throws(() => parseCliArgs(['--server', 'grpc://ferry:9090', '--ca', 'ca.pem', 'jobs', 'list'], {}), /--ca need TLS, but --server grpc:\/\/ferry:9090 says plain text: use grpcs:\/\/ferry:9090/);
    assert.throws(() => parseCliArgs(['--server', 'https://ferry:9000', 'jobs', 'list'], {}), /--server must be HOST:PORT, grpc:\/\/HOST:PORT or grpcs:\/\/HOST:PORT/);
  });
});
