import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketSteps, failedWith, passed, signatureStep, skipped, startRefusal, type BucketCheck, type CheckStep } from '../../libs/s3/checkSteps.js';
import { classifyS3Error, s3ErrorFromResponse, S3Error } from '../../libs/s3/s3Error.js';
import { parseCliArgs } from '../../services/cli/args.js';
import { checkReport } from '../../services/cli/format.js';

const answer = (status: number, code: string, message = `${code} message`) => s3ErrorFromResponse(status, code, message);
const refused = classifyS3Error(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
const ENDPOINT = 'http://s3.example:9000';

describe('signatureStep: what a ListBuckets answer says about the signature', () => {
  it('passes on an answer, and on a 403 that is not an authentication refusal (keys known, ListBuckets not allowed)', () => {
    assert.equal(signatureStep(undefined, ENDPOINT).status, 'passed');
    const denied = signatureStep(answer(403, 'AccessDenied'), ENDPOINT);
    assert.equal(denied.status, 'passed');
    assert.match(denied.detail, /AccessDenied/);
  });

  it('fails on an authentication refusal with the server code and status', () => {
    for (const code of ['SignatureDoesNotMatch', 'InvalidAccessKeyId', 'ExpiredToken', 'InvalidToken']) {
      const step = signatureStep(answer(403, code), ENDPOINT);
      assert.equal(step.status, 'failed', code);
      assert.equal(step.code, code);
      assert.equal(step.http_status, 403);
      assert.ok(step.detail.includes(ENDPOINT), step.detail);
      assert.equal(step.transient, undefined, `${code} is no transient failure`);
    }
  });

  it('fails, as transient, on a 5xx or no answer; the socket error is the code of a request without answer', () => {
    const busy = signatureStep(answer(503, 'SlowDown'), ENDPOINT);
    assert.deepEqual([busy.status, busy.code, busy.transient], ['failed', 'SlowDown', true]);
    const none = signatureStep(refused, ENDPOINT);
    assert.deepEqual([none.status, none.code, none.http_status], ['failed', 'ECONNREFUSED', undefined]);
  });

  it('leaves it unshown on another 4xx (a server without ListBuckets): the bucket request is signed the same way', () => {
    assert.equal(signatureStep(answer(405, 'MethodNotAllowed'), ENDPOINT).status, 'skipped');
  });
});

describe('bucketSteps: the bucket and list steps from a ListObjectsV2 answer (and a HEAD when listing is denied)', () => {
  it('passes both on a listing', () => {
    assert.deepEqual(bucketSteps('b', undefined).map((s) => s.status), ['passed', 'passed']);
  });

  it('fails the bucket on NoSuchBucket and skips the list', () => {
    const [bucket, list] = bucketSteps('b', answer(404, 'NoSuchBucket'));
    assert.deepEqual([bucket.status, bucket.code, bucket.http_status, list.status], ['failed', 'NoSuchBucket', 404, 'skipped']);
    assert.match(bucket.detail, /bucket b does not exist/);
  });

  it('on AccessDenied fails the list and judges the bucket by the HEAD: 200 exists, 404 missing, 403 cannot tell', () => {
    const denied = answer(403, 'AccessDenied');
    assert.deepEqual(bucketSteps('b', denied, 200).map((s) => [s.status, s.code]), [['passed', undefined], ['failed', 'AccessDenied']]);
    assert.deepEqual(bucketSteps('b', denied, 404).map((s) => [s.status, s.code]), [['failed', 'NoSuchBucket'], ['skipped', undefined]]);
    assert.deepEqual(bucketSteps('b', denied, 403).map((s) => [s.status, s.code]), [['skipped', undefined], ['failed', 'AccessDenied']]);
    assert.deepEqual(bucketSteps('b', denied, undefined).map((s) => s.status), ['skipped', 'failed']);
  });

  it('fails the bucket with any other failure (an HTML page, a 500), the list skipped', () => {
    const notS3 = new S3Error('NotAnS3Listing', 'HTTP 200 answer is not an S3 listing', 200, false);
    assert.deepEqual(bucketSteps('b', notS3).map((s) => [s.status, s.code]), [['failed', 'NotAnS3Listing'], ['skipped', undefined]]);
    assert.equal(bucketSteps('b', answer(500, 'InternalError'))[0].transient, true);
  });
});

describe('startRefusal: which failed check refuses a start, with what status and words', () => {
  const side = (s: 'source' | 'destination', steps: CheckStep[]): BucketCheck => ({ side: s, endpoint: `http://${s}.example`, bucket: `${s}-bucket`, ok: steps.every((x) => x.status !== 'failed'), steps });
  const fine = (s: 'source' | 'destination') => side(s, [passed('credentials', 'ok'), passed('tcp', 'ok'), passed('bucket', 'ok'), passed('list', 'ok')]);

  it('lets a start through when nothing failed, or only transiently (the run retries 5xx and throttling)', () => {
    assert.equal(startRefusal([fine('source'), fine('destination')]), undefined);
    const busy = side('destination', [passed('tcp', 'ok'), failedWith('bucket', answer(503, 'SlowDown'), 'ListObjectsV2 on b')]);
    assert.equal(startRefusal([fine('source'), busy]), undefined);
  });

  it('refuses an endpoint that cannot be reached, even though a retry might reach it, naming side, bucket, endpoint and cause', () => {
    const refusal = startRefusal([fine('source'), side('destination', [passed('dns', 'ok'), failedWith('tcp', refused, 'connecting to 127.0.0.1:9'), skipped('bucket', 'no connection')])]);
    assert.equal(refusal?.code, 'FAILED_PRECONDITION');
    assert.equal(refusal?.side, 'destination');
    assert.equal(refusal?.message, 'destination bucket destination-bucket at http://destination.example cannot be reached (tcp): NetworkError: connect ECONNREFUSED 127.0.0.1:9');
    assert.equal(refusal?.reason, 'cannot be reached (tcp) (ECONNREFUSED)');
  });

  it('refuses a missing bucket as a failed precondition and a refused signature or listing as permission denied', () => {
    const missing = startRefusal([side('source', bucketSteps('source-bucket', answer(404, 'NoSuchBucket', 'The specified bucket does not exist'))), fine('destination')]);
    assert.equal(missing?.code, 'FAILED_PRECONDITION');
    assert.equal(missing?.message, 'source bucket source-bucket at http://source.example does not exist: HTTP 404 NoSuchBucket: The specified bucket does not exist');
    const signature = startRefusal([fine('source'), side('destination', [signatureStep(answer(403, 'SignatureDoesNotMatch'), 'http://destination.example')])]);
    assert.equal(signature?.code, 'PERMISSION_DENIED');
    assert.match(signature!.message, /^destination bucket destination-bucket at http:\/\/destination.example fails the signature check: HTTP 403 SignatureDoesNotMatch/);
    const list = startRefusal([fine('source'), side('destination', bucketSteps('destination-bucket', answer(403, 'AccessDenied'), 200))]);
    assert.equal(list?.code, 'PERMISSION_DENIED');
    assert.match(list!.message, /fails the list check: HTTP 403 AccessDenied/);
  });

  it('names the source first when both sides fail', () => {
    const down = (s: 'source' | 'destination') => side(s, [failedWith('tcp', refused, 'connecting')]);
    assert.equal(startRefusal([down('source'), down('destination')])?.side, 'source');
  });
});

describe('ferry check on the command line', () => {
  it('takes --write-probe', () => {
    assert.equal(parseCliArgs(['check', 'j', '--write-probe'], {}).writeProbe, true);
    assert.equal(parseCliArgs(['jobs', 'check', 'j'], {}).writeProbe, false);
  });

  it('prints one row per step with its status, code and detail, and the verdict', () => {
    const text = checkReport({
      job_id: 'j',
      ok: false,
      buckets: [
        { side: 'source', endpoint: 'http://s', bucket: 'a', ok: true, steps: [{ name: 'bucket', status: 'passed', detail: 'bucket a exists' }] },
        { side: 'destination', endpoint: 'http://d', bucket: 'b', ok: false, steps: [{ name: 'bucket', status: 'failed', detail: 'bucket b does not exist', code: 'NoSuchBucket', http_status: 404 }] },
      ],
    });
    assert.match(text, /^source: bucket a at http:\/\/s$/m);
    assert.match(text, /^source\s+bucket\s+PASSED\s+bucket a exists$/m);
    assert.match(text, /^destination\s+bucket\s+FAILED\s+404 NoSuchBucket\s+bucket b does not exist$/m);
    assert.match(text, /job j fails the check$/);
  });
});
