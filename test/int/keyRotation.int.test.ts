import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { KV as KeyValue, NatsConnection } from 'nats';
import { KV, jobToken } from '../../libs/nats/index.js';
import { MasterKeyRing, SecretSealer, seal } from '../../libs/secrets/index.js';
import { startJetStream, type JetStreamEnv } from '../harness/jetStreamEnv.js';

const LEGACY = '0'.repeat(64);
const A = '1'.repeat(64);
const B = '2'.repeat(64);
const C = '3'.repeat(64);

const onlyA = new MasterKeyRing([{ id: 'a', key: A }], 'a');
const onlyB = new MasterKeyRing([{ id: 'b', key: B }], 'b');
/** The configuration during a rotation: the old keys still there, the new one current. */
const rotating = new MasterKeyRing([{ id: 'default', key: LEGACY }, { id: 'a', key: A }, { id: 'b', key: B }], 'b');

const JOBS = ['j1', 'job.with.dots', 'under_score', 'z-last'];

describe('rotating master keys (real nats-server)', () => {
  let jetStream: JetStreamEnv;
  let nc: NatsConnection;
  let kv: KeyValue;
  /** job id -> its secret as the event log would hold it (sealed under the job's data key). */
  let sealed: Map<string, string>;

  const sealer = (ring: MasterKeyRing) => SecretSealer.open(nc, ring);
  const keyIdOf = async (jobId: string) => {
    const entry = await kv.get(jobToken(jobId));
    return entry?.operation === 'PUT' ? (JSON.parse(entry.string()) as { key_id: string }).key_id : entry?.operation;
  };
  const sealUnderA = async (...jobIds: string[]) => {
    const s = await sealer(onlyA);
    for (const jobId of jobIds) sealed.set(jobId, await s.seal(jobId, `secret of ${jobId}`));
  };
  const assertAllOpen = async (ring: MasterKeyRing, jobIds: Iterable<string>) => {
    const s = await sealer(ring);
    for (const jobId of jobIds) assert.equal(await s.open(jobId, sealed.get(jobId)!), `secret of ${jobId}`, jobId);
  };

  beforeEach(async () => {
    // Each test gets its own server: a rotation covers the whole bucket.
    jetStream = await startJetStream('key-rotation');
    nc = jetStream.nc;
    kv = await nc.jetstream().views.kv(KV.secrets);
    sealed = new Map();
  });

  afterEach(async () => {
    await jetStream?.stop();
  });

  it('re-seals every data key under B (a second run re-seals nothing), after which A can go and every secret still opens', async () => {
    await sealUnderA(...JOBS);
    // A data key stored before records named their master key: a bare v1: string under the one key there was.
    const legacyDataKey = randomBytes(32);
    await kv.put(jobToken('legacy'), seal(Buffer.from(LEGACY, 'hex'), legacyDataKey));
    sealed.set('legacy', seal(legacyDataKey, Buffer.from('secret of legacy')));
    const deleted = await sealer(onlyA);
    const deletedSecret = await deleted.seal('deleted-before', 'secret of deleted-before');
    await deleted.destroy('deleted-before');
    const all = [...JOBS, 'legacy'];
    await assertAllOpen(rotating, all);

    const s = await sealer(rotating);
    const first = await s.rotate();
    assert.deepEqual(first, { currentKeyId: 'b', resealed: 5, alreadyCurrent: 0, gone: 1, failed: [] });
    for (const jobId of all) assert.equal(await keyIdOf(jobId), 'b', jobId);
    const second = await s.rotate();
    assert.deepEqual(second, { currentKeyId: 'b', resealed: 0, alreadyCurrent: 5, gone: 1, failed: [] });

    await assertAllOpen(onlyB, all);
    const withoutB = await sealer(new MasterKeyRing([{ id: 'default', key: LEGACY }, { id: 'a', key: A }], 'a'));
    await assert.rejects(withoutB.open('j1', sealed.get('j1')!), /job j1: its data key is sealed under master key "b", which this process is not configured with \(it has "default", "a"\)/);
    await assert.rejects((await sealer(onlyB)).open('deleted-before', deletedSecret), /its secret was destroyed/);
    assert.equal(await keyIdOf('deleted-before'), 'PURGE');
  });

  it('leaves a job deleted after the rotation listed it, before its turn, destroyed', async () => {
    await sealUnderA('j1', 'j2', 'j3');
    const a = await sealer(onlyA);
    const report = await (await sealer(rotating)).rotate({
      async listed(jobIds) {
        assert.deepEqual(jobIds, ['j1', 'j2', 'j3']);
        await a.destroy('j2');
      },
    });
    assert.deepEqual(report, { currentKeyId: 'b', resealed: 2, alreadyCurrent: 0, gone: 1, failed: [] });
    assert.equal(await keyIdOf('j2'), 'PURGE');
    await assert.rejects((await sealer(rotating)).open('j2', sealed.get('j2')!), /its secret was destroyed/);
    await assertAllOpen(onlyB, ['j1', 'j3']);
  });

  it('leaves a job deleted between reading its data key and writing it re-sealed destroyed: the revision check refuses the write', async () => {
    await sealUnderA('j1', 'j2', 'j3');
    const a = await sealer(onlyA);
    const writes: string[] = [];
    const report = await (await sealer(rotating)).rotate({
      async beforeWrite(jobId) {
        writes.push(jobId);
        if (jobId === 'j2') await a.destroy('j2');
      },
    });
    assert.deepEqual(writes, ['j1', 'j2', 'j3'], 'j2 was read and re-sealed, then deleted before the write');
    assert.deepEqual(report, { currentKeyId: 'b', resealed: 2, alreadyCurrent: 0, gone: 1, failed: [] });
    assert.equal(await keyIdOf('j2'), 'PURGE', 'the data key was not written back');
    await assert.rejects((await sealer(onlyB)).open('j2', sealed.get('j2')!), /its secret was destroyed/);
    await assertAllOpen(onlyB, ['j1', 'j3']);
  });

  it('gets along with a second rotation running at the same time: what it re-sealed counts as already current', async () => {
    await sealUnderA('j1', 'j2', 'j3');
    const s = await sealer(rotating);
    let concurrent;
    const report = await s.rotate({
      async beforeWrite(jobId) {
        if (jobId === 'j2') concurrent = await s.rotate();
      },
    });
    assert.deepEqual(concurrent, { currentKeyId: 'b', resealed: 2, alreadyCurrent: 1, gone: 0, failed: [] });
    assert.deepEqual(report, { currentKeyId: 'b', resealed: 1, alreadyCurrent: 2, gone: 0, failed: [] });
    await assertAllOpen(onlyB, ['j1', 'j2', 'j3']);
  });

  it('reports a data key under a master key it does not hold, naming that key, and still rotates the rest', async () => {
    await sealUnderA('j1');
    const b = await sealer(onlyB);
    sealed.set('j2', await b.seal('j2', 'secret of j2'));
    const report = await (await sealer(new MasterKeyRing([{ id: 'b', key: B }, { id: 'c', key: C }], 'c'))).rotate();
    assert.equal(report.resealed, 1);
    assert.deepEqual(report.failed.map((f) => f.jobId), ['j1']);
    assert.match(report.failed[0]!.error, /sealed under master key "a", which this process is not configured with \(it has "b", "c"\)/);
    assert.equal(await keyIdOf('j1'), 'a', 'left as it was');
    assert.equal(await keyIdOf('j2'), 'c');
    await assertAllOpen(onlyA, ['j1']);
  });
});
