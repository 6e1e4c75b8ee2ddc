import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { FerryError } from '../../libs/domain/index.js';
import { DEFAULT_MASTER_KEY_ID, MasterKeyRing, open, seal } from '../../libs/secrets/index.js';

const A = '1'.repeat(64);
const B = '2'.repeat(64);
const LEGACY = '3'.repeat(64);

const refused = (fn: () => unknown, code: string, message: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FerryError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });

describe('master key ring', () => {
  const dataKey = randomBytes(32);

  it('seals a data key under the current key, naming it in the record, and opens it again', () => {
    const ring = new MasterKeyRing([{ id: 'a', key: A }, { id: 'b', key: B }], 'b');
    const record = ring.sealDataKey(dataKey);
    assert.equal(JSON.parse(record).key_id, 'b');
    assert.deepEqual(ring.openDataKey('j', record), dataKey);
    assert.deepEqual(new MasterKeyRing([{ id: 'b', key: B }], 'b').openDataKey('j', record), dataKey);
  });

  it('writes a record under "default" as every record was before key ids, a bare v1: string', () => {
    const record = MasterKeyRing.single(LEGACY).sealDataKey(dataKey);
    assert.match(record, /^v1:/);
    assert.deepEqual(open(Buffer.from(LEGACY, 'hex'), record), dataKey, 'what an earlier version reads');
  });

  it('opens a record written before key ids (a bare v1: string) with the key whose id is "default"', () => {
    const legacy = seal(Buffer.from(LEGACY, 'hex'), dataKey);
    assert.deepEqual(MasterKeyRing.single(LEGACY).openDataKey('j', legacy), dataKey);
    assert.deepEqual(new MasterKeyRing([{ id: DEFAULT_MASTER_KEY_ID, key: LEGACY }, { id: 'b', key: B }], 'b').openDataKey('j', legacy), dataKey);
    refused(() => new MasterKeyRing([{ id: 'b', key: B }], 'b').openDataKey('j', legacy), 'FAILED_PRECONDITION', /master key "default", which this process is not configured with/);
  });

  it('names the missing key id when a record is sealed under a key the ring does not hold', () => {
    const record = new MasterKeyRing([{ id: 'old-2024', key: A }], 'old-2024').sealDataKey(dataKey);
    refused(() => new MasterKeyRing([{ id: 'b', key: B }], 'b').openDataKey('job-7', record), 'FAILED_PRECONDITION', /^job job-7: its data key is sealed under master key "old-2024", which this process is not configured with \(it has "b"\)/);
  });

  it('says so when the key under a known id is not the one that sealed the record', () => {
    const record = new MasterKeyRing([{ id: 'a', key: A }], 'a').sealDataKey(dataKey);
    refused(() => new MasterKeyRing([{ id: 'a', key: B }], 'a').openDataKey('j', record), 'FAILED_PRECONDITION', /does not open under master key "a": this process has a different key under that id/);
  });

  it('refuses a record that is not one it wrote', () => {
    refused(() => MasterKeyRing.single(A).openDataKey('j', '{"key_id":1}'), 'INTERNAL', /lacks key_id or sealed/);
    refused(() => MasterKeyRing.single(A).openDataKey('j', '{nope'), 'INTERNAL', /not valid JSON/);
    refused(() => MasterKeyRing.single(A).openDataKey('j', '{"key_id":"default","sealed":"v9:x"}'), 'INTERNAL', /not sealed in a format this version reads/);
  });

  it('leaves a record under the current key alone and re-seals any other under it, same data key', () => {
    const a = new MasterKeyRing([{ id: 'a', key: A }], 'a');
    const both = new MasterKeyRing([{ id: 'a', key: A }, { id: 'b', key: B }], 'b');
    const underA = a.sealDataKey(dataKey);
    const step = both.resealStep('j', underA);
    assert.equal(step.kind, 'reseal');
    assert.ok(step.kind === 'reseal');
    assert.equal(step.from, 'a');
    assert.deepEqual(new MasterKeyRing([{ id: 'b', key: B }], 'b').openDataKey('j', step.record), dataKey);
    assert.deepEqual(both.resealStep('j', step.record), { kind: 'current' });
    assert.deepEqual(a.resealStep('j', underA), { kind: 'current' });
    refused(() => new MasterKeyRing([{ id: 'b', key: B }], 'b').resealStep('j', underA), 'FAILED_PRECONDITION', /master key "a"/);
    const toDefault = new MasterKeyRing([{ id: 'a', key: A }, { id: DEFAULT_MASTER_KEY_ID, key: LEGACY }], DEFAULT_MASTER_KEY_ID);
    const back = toDefault.resealStep('j', underA);
    assert.ok(back.kind === 'reseal' && back.record.startsWith('v1:'), 'under "default" again: a bare record');
    assert.deepEqual(toDefault.resealStep('j', back.record), { kind: 'current' });
  });

  it('refuses a ring whose current key is not in it, a repeated id, a bad id or a short key', () => {
    assert.throws(() => new MasterKeyRing([{ id: 'a', key: A }], 'b'), /current master key b is not among the keys \(a\)/);
    assert.throws(() => new MasterKeyRing([{ id: 'a', key: A }, { id: 'a', key: B }], 'a'), /given twice/);
    assert.throws(() => new MasterKeyRing([{ id: 'a:b', key: A }], 'a:b'), /must match/);
    assert.throws(() => new MasterKeyRing([{ id: 'a', key: 'abc' }], 'a'), /64 hex/);
  });

  it('keeps secrets sealed under a data key openable across a re-seal of that data key', () => {
    const secret = seal(dataKey, Buffer.from('S3CRET'));
    const both = new MasterKeyRing([{ id: 'a', key: A }, { id: 'b', key: B }], 'b');
    const step = both.resealStep('j', new MasterKeyRing([{ id: 'a', key: A }], 'a').sealDataKey(dataKey));
    assert.ok(step.kind === 'reseal');
    assert.equal(open(new MasterKeyRing([{ id: 'b', key: B }], 'b').openDataKey('j', step.record), secret).toString(), 'S3CRET');
  });
});
