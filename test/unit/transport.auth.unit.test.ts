import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { FerryError } from '../../libs/domain/errors.js';
import { createAuthorizer } from '../../libs/transport/auth.js';
import { isReadOnlyMethod } from '../../libs/transport/readOnlyMethods.js';

const authorize = createAuthorizer([
  { token: 'admin-token', role: 'admin' },
  { token: 'read-token', role: 'read' },
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

test('admin and read tokens are recognised; the scheme is case-insensitive', () => {
  assert.deepEqual(authorize(md('Bearer admin-token'), 'CreateJob'), { role: 'admin' });
  assert.deepEqual(authorize(md('bearer read-token'), 'GetJob'), { role: 'read' });
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

test('empty configured tokens are refused at start-up', () => {
  assert.throws(() => createAuthorizer([{ token: '', role: 'admin' }]));
});
