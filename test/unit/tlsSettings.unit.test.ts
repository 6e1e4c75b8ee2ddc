import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../libs/config/index.js';
import { MAX_CA_BUNDLE, parseCaBundle } from '../../libs/domain/index.js';
import { setDefaultCaBundle, tlsCheckOptions } from '../../libs/http1/index.js';
import { tlsKey } from '../../libs/http1/endpointTls.js';
import { makeTempDir } from '../harness/tempDir.js';
import { makeTestCertificates, type TestCertificates } from '../harness/testCertificates.js';

const dir = makeTempDir('tls-settings');
let a: TestCertificates;
let b: TestCertificates;

before(async () => {
  [a, b] = await Promise.all([makeTestCertificates(join(dir.path, 'a'), 'CA A'), makeTestCertificates(join(dir.path, 'b'), 'CA B')]);
});
after(() => {
  setDefaultCaBundle(undefined);
  dir.remove();
});

function file(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

function rejects(fn: () => unknown, message: RegExp) {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

describe('CA bundles', () => {
  it('reads every certificate of a bundle, ignoring text between them as OpenSSL does', () => {
    const bundle = `# corporate roots\n${a.caPem}\nsome comment\n${b.caPem}`;
    assert.deepEqual(parseCaBundle(bundle).map((c) => c.subject), ['CN=CA A', 'CN=CA B']);
  });

  it('says which certificate of a bundle cannot be read', () => {
    const broken = `${a.caPem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    assert.throws(() => parseCaBundle(broken), /certificate 2 of 2 cannot be read/);
    assert.throws(() => parseCaBundle(a.keyPem), /holds no PEM certificate/);
  });
});

describe('certificate checking per endpoint', () => {
  it("checks against a context holding the endpoint's CA besides Node's roots, built once per CA, and checks nothing only when told", () => {
    assert.deepEqual(tlsCheckOptions(undefined), {});
    const own = tlsCheckOptions({ ca: a.caPem });
    assert.ok(own.secureContext, 'a secure context');
    assert.equal(own.rejectUnauthorized, undefined);
    assert.equal(tlsCheckOptions({ ca: `${a.caPem}` }).secureContext, own.secureContext, 'the same context for the same CA');
    assert.notEqual(tlsCheckOptions({ ca: b.caPem }).secureContext, own.secureContext);
    assert.deepEqual(tlsCheckOptions({ insecureSkipVerify: true }), { rejectUnauthorized: false });
  });

  it("uses AWS_CA_BUNDLE's certificates for endpoints without a CA of their own", () => {
    setDefaultCaBundle(a.caPem);
    try {
      assert.equal(tlsCheckOptions(undefined).secureContext, tlsCheckOptions({ ca: a.caPem }).secureContext);
      assert.equal(tlsCheckOptions({ ca: b.caPem }).secureContext, tlsCheckOptions({ ca: b.caPem }).secureContext);
      assert.notEqual(tlsCheckOptions({ ca: b.caPem }).secureContext, tlsCheckOptions(undefined).secureContext);
    } finally {
      setDefaultCaBundle(undefined);
    }
  });

  it('pools connections apart for endpoints checked differently', () => {
    const keys = [tlsKey(undefined), tlsKey({ ca: a.caPem }), tlsKey({ ca: b.caPem }), tlsKey({ insecureSkipVerify: true })];
    assert.equal(keys[0], '');
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(tlsKey({ ca: a.caPem }), tlsKey({ ca: `${a.caPem}` }));
  });
});

describe('TLS configuration', () => {
  const https = { FERRY_SOURCE_ENDPOINT: 'https://ceph.internal.example:8443', FERRY_SOURCE_ACCESS_KEY: 'a', FERRY_SOURCE_SECRET_KEY: 'b' };

  it('reads the source CA bundle file from the environment or YAML', () => {
    assert.deepEqual(loadConfig({ env: { ...https, FERRY_SOURCE_CA_BUNDLE: a.caFile } }).source?.tls, { ca: a.caPem });
    const yaml = file('source-ca.yaml', `ferry:\n  source:\n    ca_bundle: ${a.caFile}\n`);
    assert.deepEqual(loadConfig({ file: yaml, env: https }).source?.tls, { ca: a.caPem });
    assert.equal(loadConfig({ env: https }).source?.tls, undefined);
  });

  it('takes insecure_skip_verify only on its own and only for an https source', () => {
    assert.deepEqual(loadConfig({ env: { ...https, FERRY_SOURCE_INSECURE_SKIP_VERIFY: 'true' } }).source?.tls, { insecureSkipVerify: true });
    rejects(() => loadConfig({ env: { ...https, FERRY_SOURCE_INSECURE_SKIP_VERIFY: 'true', FERRY_SOURCE_CA_BUNDLE: a.caFile } }), /ferry\.source\.insecure_skip_verify: .*give one or the other/);
    const plain = { ...https, FERRY_SOURCE_ENDPOINT: 'http://127.0.0.1:9100' };
    rejects(() => loadConfig({ env: { ...plain, FERRY_SOURCE_CA_BUNDLE: a.caFile } }), /ferry\.source\.ca_bundle: is only used with an https ferry\.source\.endpoint/);
    rejects(() => loadConfig({ env: { ...plain, FERRY_SOURCE_INSECURE_SKIP_VERIFY: 'true' } }), /ferry\.source\.insecure_skip_verify/);
  });

  it('reads AWS_CA_BUNDLE for every endpoint', () => {
    assert.equal(loadConfig({ env: { AWS_CA_BUNDLE: b.caFile } }).caBundle, b.caPem);
    assert.equal(loadConfig({ env: {} }).caBundle, undefined);
  });

  it("reads a bundle file as large as a system's (AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt is over 200 KB)", () => {
    const large = `${a.caPem}\n`.repeat(Math.ceil(256_000 / a.caPem.length)) + b.caPem;
    assert.ok(large.length > 3 * MAX_CA_BUNDLE);
    assert.equal(loadConfig({ env: { AWS_CA_BUNDLE: file('system.pem', large) } }).caBundle, large);
    assert.equal(loadConfig({ env: { ...https, FERRY_SOURCE_CA_BUNDLE: file('system-source.pem', large) } }).source?.tls?.ca, large);
  });

  it('stops at start-up on a CA bundle that cannot be read, naming key and variable', () => {
    rejects(() => loadConfig({ env: { AWS_CA_BUNDLE: join(dir.path, 'missing.pem') } }), /ferry\.ca_bundle \(AWS_CA_BUNDLE\): cannot read the CA bundle .*missing\.pem/);
    rejects(() => loadConfig({ env: { AWS_CA_BUNDLE: a.keyFile } }), /ferry\.ca_bundle \(AWS_CA_BUNDLE\): .*server\.key holds no PEM certificate/);
    const broken = file('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    rejects(() => loadConfig({ env: { ...https, FERRY_SOURCE_CA_BUNDLE: broken } }), /ferry\.source\.ca_bundle \(FERRY_SOURCE_CA_BUNDLE\): .*broken\.pem certificate 1 of 1 cannot be read/);
  });
});
