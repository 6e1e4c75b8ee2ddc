import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { nkeys, type NatsConnection } from 'nats';
import { loadConfig } from '../../libs/config/index.js';
import { startNatsServer, type RunningNatsServer } from '../../libs/embedded/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { NatsConnectError, connectNats } from '../../libs/nats/index.js';
import { startSecuredNats, type SecuredNats } from '../harness/securedNats.js';
import { makeTempDir } from '../harness/tempDir.js';
import { makeTestCertificates, type TestCertificates } from '../harness/testCertificates.js';

const run = promisify(execFile);
const log = createLogger('silent');

/** A client certificate signed by the test CA (its key beside it under `dir/tls`). */
async function makeClientCertificate(dir: string, cn: string): Promise<{ certFile: string; keyFile: string }> {
  const p = (name: string) => join(dir, 'tls', name);
  writeFileSync(p('client-ext.cnf'), 'basicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = clientAuth\n');
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', p('client.key'), '-out', p('client.csr')]);
  await run('openssl', ['x509', '-req', '-in', p('client.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('client-ext.cnf'), '-out', p('client.pem')]);
  return { certFile: p('client.pem'), keyFile: p('client.key') };
}

/** Connects as Ferry does, from environment settings, and proves the connection works with a JetStream request. */
async function connectWith(url: string, env: Record<string, string>, name = 'ferry-test'): Promise<NatsConnection> {
  const config = loadConfig({ env: { NATS_URL: url, ...env } });
  const nc = await connectNats(url, name, log, { client: config.nats, inboxPrefix: '_INBOX.copier' });
  await (await nc.jetstreamManager()).getAccountInfo();
  return nc;
}

describe('NATS over TLS with a private CA and client certificates (the shipped users, Debian nats-server)', () => {
  const tmp = makeTempDir('nats-tls');
  let certs: TestCertificates;
  let client: { certFile: string; keyFile: string };
  let nats: SecuredNats;

  before(async () => {
    certs = await makeTestCertificates(tmp.path, 'NATS test CA');
    client = await makeClientCertificate(tmp.path, 'ferry-copier');
    nats = await startSecuredNats(join(tmp.path, 'nats'), { tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile, verify: true } });
  });
  after(async () => {
    await nats?.stop();
    tmp.remove();
  });

  it('connects with the CA, a client certificate and the service user, over TLS', async () => {
    const nc = await connectWith(nats.url, { ...nats.userEnv('copier'), NATS_CA: certs.caFile, NATS_CERT: client.certFile, NATS_KEY: client.keyFile });
    try {
      assert.equal(nc.info?.tls_required, true, 'the server requires TLS, and this connection has it');
    } finally {
      await nc.close();
    }
  });

  it("stops at once when no CA vouches for the server's certificate, naming NATS_CA", async () => {
    await assert.rejects(connectWith(nats.url, nats.userEnv('copier')), (err: unknown) => {
      assert.ok(err instanceof NatsConnectError, String(err));
      assert.match(err.message, /its TLS certificate was not accepted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE.*set ferry\.nats\.tls\.ca_file \(NATS_CA\)/);
      return true;
    });
    const other = await makeTestCertificates(join(tmp.path, 'other'), 'Some other CA');
    await assert.rejects(connectWith(nats.url, { ...nats.userEnv('copier'), NATS_CA: other.caFile, NATS_CERT: client.certFile, NATS_KEY: client.keyFile }), /the CA in ferry\.nats\.tls\.ca_file \(NATS_CA\) does not vouch for it/);
  });

  it('refuses a wrong password over TLS too, naming the settings and never the password', async () => {
    await assert.rejects(connectWith(nats.url, { NATS_USER: 'ferry-copier', NATS_PASSWORD: 'wrong-password', NATS_CA: certs.caFile, NATS_CERT: client.certFile, NATS_KEY: client.keyFile }), (err: unknown) => {
      assert.ok(err instanceof NatsConnectError, String(err));
      assert.match(err.message, /refused to let this process in as user "ferry-copier".*NATS_USER, NATS_PASSWORD/);
      assert.ok(!err.message.includes('wrong-password'));
      return true;
    });
  });
});

describe('NATS with an NKey user, a token, and TLS asked of a server without it', () => {
  const tmp = makeTempDir('nats-nkey');
  let nkeyServer: RunningNatsServer;
  let tokenServer: RunningNatsServer;
  let seedFile: string;
  const TOKEN = 's3cret-token-for-the-test';

  before(async () => {
    const user = nkeys.createUser();
    seedFile = join(tmp.path, 'copier.nk');
    writeFileSync(seedFile, `${new TextDecoder().decode(user.getSeed())}\n`);
    const conf = join(tmp.path, 'nkey.conf');
    writeFileSync(conf, `authorization { users: [ { nkey: ${user.getPublicKey()} } ] }\n`);
    mkdirSync(join(tmp.path, 'nkey-store'), { recursive: true });
    nkeyServer = await startNatsServer({ storeDir: join(tmp.path, 'nkey-store'), args: ['-c', conf] });
    tokenServer = await startNatsServer({ storeDir: join(tmp.path, 'token-store'), args: ['--auth', TOKEN] });
  });
  after(async () => {
    await nkeyServer?.stop();
    await tokenServer?.stop();
    tmp.remove();
  });

  it('connects with the NKey seed file (the server holds only the public key), and is refused without it', async () => {
    const nc = await connectWith(nkeyServer.url, { NATS_NKEY: seedFile });
    await nc.close();
    await assert.rejects(connectWith(nkeyServer.url, {}), /refused to let this process in \(.*\): no NATS credentials are configured/);
    const other = join(tmp.path, 'other.nk');
    writeFileSync(other, new TextDecoder().decode(nkeys.createUser().getSeed()));
    await assert.rejects(connectWith(nkeyServer.url, { NATS_NKEY: other }), /with the NKey seed configured .*check ferry\.nats\.nkey_seed_file \(NATS_NKEY\)/);
  });

  it('connects with the token, and names ferry.nats.token when it is wrong', async () => {
    const nc = await connectWith(tokenServer.url, { NATS_TOKEN: TOKEN });
    await nc.close();
    await assert.rejects(connectWith(tokenServer.url, { NATS_TOKEN: 'not-it' }), (err: unknown) => {
      assert.ok(err instanceof NatsConnectError);
      assert.match(err.message, /check ferry\.nats\.token \(NATS_TOKEN\)/);
      assert.ok(!err.message.includes('not-it'));
      return true;
    });
  });

  it('refuses to talk in clear to a server without TLS when a CA is configured', async () => {
    const certs = await makeTestCertificates(join(tmp.path, 'ca'));
    await assert.rejects(connectWith(tokenServer.url, { NATS_TOKEN: TOKEN, NATS_CA: certs.caFile }), /does not offer TLS, which ferry\.nats\.tls\.\* \(NATS_CA, NATS_CERT, NATS_KEY\) requires/);
  });
});
