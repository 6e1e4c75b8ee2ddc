import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { FerryError } from '../../libs/domain/errors.js';
import { createAuthorizer } from '../../libs/transport/auth.js';
import { isReadOnlyMethod } from '../../libs/transport/readOnlyMethods.js';

const authorize = createAuthorizer([
  { name: 'admin', token: 'admin-token', role: 'admin' },
  { name: 'read', token: 'read-token', role: 'read' },
  // alice's token is 'alice-token', configured by its digest only.
  { name: 'alice', token_sha256: createHash('sha256').update('alice-token').digest('hex'), role: 'admin' },
]);

function md(value?: string): grpc.Metadata {
  const m = new grpc.Metadata();
  if (value !== undefined) m.set('authorization', value);
  return m;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof FerryError ? err.code : 'other';
  }
}

test('admin and read tokens are recognised by name; the scheme is case-insensitive', () => {
  assert.deepEqual(authorize(md('Bearer admin-token'), 'CreateJob'), { role: 'admin', actor: 'admin' });
  assert.deepEqual(authorize(md('bearer read-token'), 'GetJob'), { role: 'read', actor: 'read' });
});

test('a token configured as its SHA-256 is recognised, and its digest is not a token', () => {
  assert.deepEqual(authorize(md('Bearer alice-token'), 'PauseJob'), { role: 'admin', actor: 'alice' });
  const digest = createHash('sha256').update('alice-token').digest('hex');
  assert.equal(code(() => authorize(md(`Bearer ${digest}`), 'GetJob')), 'UNAUTHENTICATED');
});

test('missing, malformed and unknown tokens are UNAUTHENTICATED', () => {
  for (const value of [undefined, '', 'admin-token', 'Basic admin-token', 'Bearer admin-tokenX', 'Bearer admin', 'Bearer ']) {
    assert.equal(code(() => authorize(md(value), 'GetJob')), 'UNAUTHENTICATED', String(value));
  }
});

test('a read token may only call read-only methods', () => {
  assert.equal(code(() => authorize(md('Bearer read-token'), 'CreateJob')), 'PERMISSION_DENIED');
  assert.equal(code(() => authorize(md('Bearer read-token'), 'DeleteJob')), 'PERMISSION_DENIED');
  for (const rpc of ['GetJob', 'ListJobs', 'ListFailedObjects', 'ListJobErrors', 'GetJobHistory', 'WatchJob', 'GetSomethingNew']) {
    assert.equal(code(() => authorize(md('Bearer read-token'), rpc)), undefined, rpc);
  }
  assert.equal(isReadOnlyMethod('Getaway'), false);
});

test('empty, unnamed, doubly given or twice-named tokens are refused at start-up', () => {
  assert.throws(() => createAuthorizer([{ name: 'a', token: '', role: 'admin' }]), /must not be empty/);
  assert.throws(() => createAuthorizer([{ name: '', token: 'x', role: 'admin' }]), /named/);
  assert.throws(() => createAuthorizer([{ name: 'a', token: 'x', token_sha256: 'ab'.repeat(32), role: 'admin' }]), /exactly one/);
  assert.throws(() => createAuthorizer([{ name: 'a', token_sha256: 'xyz', role: 'admin' }]), /64 hex/);
  assert.throws(() => createAuthorizer([{ name: 'a', token: 'x', role: 'admin' }, { name: 'a', token: 'y', role: 'read' }]), /unique/);
});
