import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { FerryError, type ErrorCode } from '../../libs/domain/errors.js';
import { grpcStatusFor, httpStatusFor, readErrorDetails, statusName, toGrpcError } from '../../libs/transport/statusMapping.js';

test('every ErrorCode maps to the gRPC status of the same name', () => {
  const codes: ErrorCode[] = [
    'INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'FAILED_PRECONDITION', 'UNAUTHENTICATED',
    'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'INTERNAL',
  ];
  for (const code of codes) assert.equal(grpcStatusFor(code), grpc.status[code], code);
});

test('gRPC status maps to HTTP status as grpc-gateway does', () => {
  const table: [grpc.status, number][] = [
    [grpc.status.OK, 200],
    [grpc.status.CANCELLED, 499],
    [grpc.status.UNKNOWN, 500],
    [grpc.status.INVALID_ARGUMENT, 400],
    [grpc.status.DEADLINE_EXCEEDED, 504],
    [grpc.status.NOT_FOUND, 404],
    [grpc.status.ALREADY_EXISTS, 409],
    [grpc.status.PERMISSION_DENIED, 403],
    [grpc.status.RESOURCE_EXHAUSTED, 429],
    [grpc.status.FAILED_PRECONDITION, 409],
    [grpc.status.ABORTED, 409],
    [grpc.status.OUT_OF_RANGE, 400],
    [grpc.status.UNIMPLEMENTED, 501],
    [grpc.status.INTERNAL, 500],
    [grpc.status.UNAVAILABLE, 503],
    [grpc.status.DATA_LOSS, 500],
    [grpc.status.UNAUTHENTICATED, 401],
  ];
  for (const [code, http] of table) assert.equal(httpStatusFor(code), http, statusName(code));
});

test('a FerryError keeps code, message and details; details survive the metadata round trip, non-ASCII too', () => {
  const err = toGrpcError(new FerryError('ALREADY_EXISTS', 'job j already exists', [{ field: 'job_id', reason: 'déjà vu' }]));
  assert.equal(err.code, grpc.status.ALREADY_EXISTS);
  assert.equal(err.details, 'job j already exists');
  assert.match(String(err.metadata.get('ferry-error-details')[0]), /^[\x20-\x7e]*$/);
  assert.deepEqual(readErrorDetails(err.metadata), [{ field: 'job_id', reason: 'déjà vu' }]);
});

test('anything else becomes INTERNAL without leaking its message', () => {
  const err = toGrpcError(new Error('password=hunter2'));
  assert.equal(err.code, grpc.status.INTERNAL);
  assert.doesNotMatch(err.details, /hunter2/);
  assert.deepEqual(readErrorDetails(err.metadata), []);
});

test('garbage in the details metadata reads as no details', () => {
  const md = new grpc.Metadata();
  md.set('ferry-error-details', '{not json');
  assert.deepEqual(readErrorDetails(md), []);
  md.set('ferry-error-details', '[{"field":1}]');
  assert.deepEqual(readErrorDetails(md), []);
});
