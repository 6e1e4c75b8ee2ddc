import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyS3Error, S3Error } from '../../libs/s3/index.js';
import { atSource, destinationWideFailure, isStorageFull, s3ErrorFromResponse } from '../../libs/s3/s3Error.js';

const sdkError = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe('classifyS3Error', () => {
  const cases: Array<[string, unknown, string, boolean]> = [
    ['403 AccessDenied', sdkError('AccessDenied', 403), 'AccessDenied', false],
    ['403 bad key', sdkError('InvalidAccessKeyId', 403), 'InvalidAccessKeyId', false],
    ['403 bad signature', sdkError('SignatureDoesNotMatch', 403), 'SignatureDoesNotMatch', false],
    ['404 NoSuchKey', sdkError('NoSuchKey', 404), 'NoSuchKey', false],
    ['404 NoSuchBucket', sdkError('NoSuchBucket', 404), 'NoSuchBucket', false],
    ['400 InvalidArgument', sdkError('InvalidArgument', 400), 'InvalidArgument', false],
    ['400 RequestTimeout', sdkError('RequestTimeout', 400), 'RequestTimeout', true],
    ['400 BadDigest', sdkError('BadDigest', 400), 'ChecksumMismatch', true],
    ['500 InternalError', sdkError('InternalError', 500), 'InternalError', true],
    ['503 SlowDown', sdkError('SlowDown', 503), 'SlowDown', true],
    ['429 without a code', sdkError('Error', 429), 'SlowDown', true],
    ['502 without a code', sdkError('502', 502), 'InternalError', true],
    ['501 NotImplemented', sdkError('NotImplemented', 501), 'NotImplemented', false],
    ['507 XMinioStorageFull (MinIO, full drive)', sdkError('XMinioStorageFull', 507), 'XMinioStorageFull', false],
    ['507 InsufficientStorage', sdkError('InsufficientStorage', 507), 'InsufficientStorage', false],
    ['507 EntityTooLarge', sdkError('EntityTooLarge', 507), 'EntityTooLarge', false],
    ['507 without a code', sdkError('507', 507), 'InsufficientStorage', false],
    ['403 QuotaExceeded (AWS, Ceph RGW)', sdkError('QuotaExceeded', 403), 'QuotaExceeded', false],
    ['400 XMinioAdminBucketQuotaExceeded', sdkError('XMinioAdminBucketQuotaExceeded', 400), 'XMinioAdminBucketQuotaExceeded', false],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'NetworkError', true],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'NetworkError', true],
    ['socket hang up', new Error('socket hang up'), 'NetworkError', true],
    ['timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'NetworkError', true],
    ['abort', Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), 'Aborted', true],
    ['untrusted certificate', Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), 'CertificateRejected', false],
    ['self-signed certificate', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'CertificateRejected', false],
    ['certificate for another host', Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'CertificateRejected', false],
    ['programming error', new TypeError('x is not a function'), 'Unknown', false],
    ['a string', 'boom', 'Unknown', false],
  ];
  for (const [name, input, code, retryable] of cases) {
    it(`${name} => ${code}, ${retryable ? '' : 'not '}retryable`, () => {
      const e = classifyS3Error(input);
      assert.ok(e instanceof S3Error);
      assert.equal(e.code, code);
      assert.equal(e.retryable, retryable);
    });
  }

  it('keeps the checksum mismatch message exact', () => {
    const e = classifyS3Error(sdkError('BadDigest', 400));
    assert.equal(e.message, 'checksum mismatch');
  });

  it('passes an S3Error through unchanged and keeps the cause of others', () => {
    const original = new S3Error('NoSuchKey', 'gone', 404, false);
    assert.equal(classifyS3Error(original), original);
    const raw = sdkError('SlowDown', 503);
    assert.equal(classifyS3Error(raw).cause, raw);
    assert.equal(classifyS3Error(raw).status, 503);
  });
});

describe('destination-wide failures', () => {
  it('reads full stores from their answers (status and code), not only from the SDK', () => {
    for (const [status, code] of [[507, 'XMinioStorageFull'], [507, 'InsufficientStorage'], [507, 'EntityTooLarge'], [403, 'QuotaExceeded'], [400, 'XMinioAdminBucketQuotaExceeded']] as const) {
      const e = s3ErrorFromResponse(status, code, 'full');
      assert.equal(e.retryable, false, code);
      assert.equal(isStorageFull(e.status, e.code), true, code);
      assert.equal(destinationWideFailure(e), 'full', code);
    }
  });

  it('tells an object too large for one PUT (400 EntityTooLarge) from a full store', () => {
    const e = s3ErrorFromResponse(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    assert.equal(isStorageFull(e.status, e.code), false);
    assert.equal(destinationWideFailure(e), undefined);
  });

  it('counts refused credentials, permission and a missing bucket as refused writes', () => {
    for (const [status, code] of [[403, 'AccessDenied'], [403, 'InvalidAccessKeyId'], [403, 'SignatureDoesNotMatch'], [404, 'NoSuchBucket']] as const) {
      assert.equal(destinationWideFailure(s3ErrorFromResponse(status, code, code)), 'refused', code);
    }
  });

  it('counts a rejected certificate as refused writes: no object can reach that endpoint', () => {
    const rejected = classifyS3Error(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }));
    assert.equal(destinationWideFailure(rejected), 'refused');
    assert.match(rejected.message, /SELF_SIGNED_CERT_IN_CHAIN.*AWS_CA_BUNDLE/);
  });

  it('leaves per-object and transient failures alone', () => {
    for (const [status, code] of [[404, 'NoSuchKey'], [400, 'InvalidArgument'], [503, 'SlowDown'], [500, 'InternalError'], [400, 'BadDigest']] as const) {
      assert.equal(destinationWideFailure(s3ErrorFromResponse(status, code, code)), undefined, code);
    }
  });

  it('never blames the destination for what the source answered', () => {
    const denied = atSource(sdkError('AccessDenied', 403));
    assert.equal(denied.code, 'AccessDenied');
    assert.equal(denied.fromSource, true);
    assert.equal(destinationWideFailure(denied), undefined);
    assert.equal(destinationWideFailure(atSource(sdkError('XMinioStorageFull', 507))), undefined);
  });
});
