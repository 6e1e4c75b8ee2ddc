import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nkeys, type NatsConnection } from 'nats';
import { loadConfig } from '../../libs/config/index.js';
import { createLogger } from '../../libs/log/logger.js';
import { JobEventStore, NatsConnectError, TOPOLOGY_STREAMS, connectNats, ensureTopology, missingTopology } from '../../libs/nats/index.js';
import { makeOperatorSetup, makeUser, writeCredsFile, type OperatorSetup } from '../harness/natsJwt.js';
import { startOperatorModeNats, type OperatorModeNats } from '../harness/operatorNats.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor } from '../harness/waitFor.js';

const log = createLogger('silent');

/** Ferry's own path: the settings from NATS_CREDS through loadConfig, then connectNats. */
async function connectWithCreds(url: string, credsFile: string, name = 'ferry-creds-test'): Promise<NatsConnection> {
  const config = loadConfig({ env: { NATS_URL: url, NATS_CREDS: credsFile } });
  assert.equal(config.nats.auth.kind, 'creds');
  return connectNats(url, name, log, { client: config.nats, inboxPrefix: '_INBOX.control' });
}

describe('NATS in operator mode (JWTs, memory resolver) with a .creds file (Debian nats-server)', () => {
  const tmp = makeTempDir('nats-creds');
  let setup: OperatorSetup;
  let nats: OperatorModeNats;
  let credsFile: string;

  before(async () => {
    setup = makeOperatorSetup();
    nats = await startOperatorModeNats(join(tmp.path, 'nats'), setup);
    credsFile = join(tmp.path, 'ferry.creds');
    writeCredsFile(credsFile, makeUser(setup.account.keys, 'ferry-control'));
  });
  after(async () => {
    await nats?.stop();
    tmp.remove();
  });

  it("logs in with the .creds file, creates Ferry's streams and buckets in the account's JetStream, and a job's events round-trip", async () => {
    const nc = await connectWithCreds(nats.url, credsFile);
    try {
      assert.equal(nc.info?.auth_required, true, 'the server asked for credentials');
      await assert.rejects(connectNats(nats.url, 'ferry-no-creds', log), /no NATS credentials are configured/, 'and lets no one in without them');
      const account = await (await nc.jetstreamManager()).getAccountInfo();
      assert.equal(account.streams, 0, "a fresh account's JetStream");
      await ensureTopology(nc, { replicas: 1 });
      assert.deepEqual(await missingTopology(nc), []);
      assert.equal((await (await nc.jetstreamManager()).getAccountInfo()).streams, TOPOLOGY_STREAMS.length);

      const writer = await JobEventStore.open(nc);
      const now = '2026-01-01T00:00:00.000Z';
      await writer.execute('creds-job', { type: 'CreateJob', data: { definition: { job_id: 'creds-job', source_bucket: 'src', destination_bucket: 'dst' } }, metadata: { now } });
      // Read back over a second login with the same file: the event is in the account's stream, not in a client's cache.
      const other = await connectWithCreds(nats.url, credsFile, 'ferry-creds-reader');
      try {
        const events = await (await JobEventStore.open(other)).read('creds-job');
        assert.deepEqual(
          events.map((e) => e.event.type),
          ['JobCreated'],
        );
      } finally {
        await other.close();
      }
    } finally {
      await nc.close();
    }
  });

  it('refuses a user signed by an account the server does not know, naming NATS_CREDS and never the seed', async () => {
    const stranger = makeUser(nkeys.createAccount(), 'ferry-stranger');
    const file = join(tmp.path, 'stranger.creds');
    writeCredsFile(file, stranger);
    const logFrom = nats.log().length;
    await assert.rejects(connectWithCreds(nats.url, file), (err: unknown) => {
      assert.ok(err instanceof NatsConnectError, String(err));
      assert.match(err.message, /refused to let this process in with the creds configured \(.*\): check ferry\.nats\.creds_file \(NATS_CREDS\)/);
      assert.ok(!err.message.includes(stranger.seed), 'the seed is not in the message');
      assert.ok(!err.message.includes(stranger.jwt), 'nor the JWT');
      return true;
    });
    // The server's side of it: it could not find the user's account, so the login failed.
    await waitFor('the server to log the refusal', async () => (/authentication error/.test(nats.log().slice(logFrom)) ? true : undefined), 10_000);
    assert.match(nats.log().slice(logFrom), /Account fetch failed: account missing/);
  });

  it("refuses a .creds file whose seed is not its JWT's user, naming NATS_CREDS and never the seed", async () => {
    const genuine = makeUser(setup.account.keys, 'ferry-genuine');
    const wrongSeed = new TextDecoder().decode(nkeys.createUser().getSeed());
    const file = join(tmp.path, 'mismatched.creds');
    writeCredsFile(file, { jwt: genuine.jwt, seed: wrongSeed });
    const logFrom = nats.log().length;
    await assert.rejects(connectWithCreds(nats.url, file), (err: unknown) => {
      assert.ok(err instanceof NatsConnectError, String(err));
      assert.match(err.message, /refused to let this process in with the creds configured \(.*\): check ferry\.nats\.creds_file \(NATS_CREDS\)/);
      assert.ok(!err.message.includes(wrongSeed), 'the seed is not in the message');
      return true;
    });
    // The account is known this time: the server refused the nonce's signature, which the seed made.
    await waitFor('the server to log the refusal', async () => (/authentication error/.test(nats.log().slice(logFrom)) ? true : undefined), 10_000);
    assert.doesNotMatch(nats.log().slice(logFrom), /account missing/);
  });
});
