import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { project, type BucketRegionCorrection, type FerryEvent, type JobEvent, type JobProjection, type StoredJobDefinition } from '../../libs/domain/index.js';
import { regionFromAnswer } from '../../libs/s3/bucketRegion.js';
import { readErrorFields } from '../../libs/s3/responseDocuments.js';
import { given } from '../harness/deciderSpec.js';

const ID = 'job-1';
const now = '2026-01-01T00:00:00.000Z';
const definition: StoredJobDefinition = { job_id: ID, source_bucket: 'src', destination_bucket: 'dst' };
const created: JobEvent = { type: 'JobCreated', data: { job_id: ID, definition, at: now } };
const started = (run = 1): JobEvent => ({ type: 'RunStarted', data: { job_id: ID, run, at: now } });
const ended: JobEvent = { type: 'JobCancelled', data: { job_id: ID, run: 1, at: now } };
const west: BucketRegionCorrection = { side: 'destination', bucket: 'dst', configured_region: 'us-east-1', region: 'eu-west-1', reason: 'AuthorizationHeaderMalformed' };
const record = (c: BucketRegionCorrection, run = 1) => ({ type: 'RecordBucketRegion' as const, data: { job_id: ID, run, ...c }, metadata: { now } });
const corrected = (c: BucketRegionCorrection, run = 1): JobEvent => ({ type: 'BucketRegionCorrected', data: { job_id: ID, run, ...c, at: now } });

describe('recording a bucket region correction', () => {
  it('records the first correction of a bucket, and not again when every copier reports it', () => {
    given(ID, [created, started()]).when(record(west)).then([corrected(west)]);
    given(ID, [created, started(), corrected(west)]).when(record(west)).then([]);
    // A later run finds the same region: already recorded for the job.
    given(ID, [created, started(), corrected(west), ended, started(2)]).when(record(west, 2)).then([]);
  });

  it('records each side and bucket on its own, and a region that changes again', () => {
    const source = { ...west, side: 'source' as const, bucket: 'src' };
    given(ID, [created, started(), corrected(west)]).when(record(source)).then([corrected(source)]);
    const moved = { ...west, region: 'ap-south-1' };
    given(ID, [created, started(), corrected(west)]).when(record(moved)).then([corrected(moved)]);
  });

  it('records nothing for a region equal to the configured one, or for a run that is not current', () => {
    given(ID, [created, started()]).when(record({ ...west, region: 'us-east-1' })).then([]);
    given(ID, [created, started(), ended]).when(record(west)).then([]);
    given(ID, [created, started()]).when(record(west, 2)).then([]);
  });

  it('shows each corrected bucket in the job view, the latest region per side and bucket', () => {
    let p: JobProjection | undefined;
    const moved = { ...west, region: 'ap-south-1', reason: 'x-amz-bucket-region' as const };
    const events: FerryEvent[] = [created, started(), corrected(west), corrected({ ...west, side: 'source', bucket: 'src' }), corrected(moved)];
    events.forEach((e, i) => (p = project(p, e, i + 1)));
    assert.deepEqual(p!.view.bucket_regions, [
      { side: 'source', bucket: 'src', configured_region: 'us-east-1', region: 'eu-west-1', reason: 'AuthorizationHeaderMalformed', at: now },
      { ...moved, at: now },
    ]);
    assert.equal(p!.view.updated_seq, 5);
  });
});

describe('reading the region a wrong-region answer names', () => {
  const regionOf = (status: number, headers: Record<string, string>, body: string) => regionFromAnswer(status, headers, readErrorFields(body));

  it('takes x-amz-bucket-region from a 301, a HEAD 400 or a 403', () => {
    assert.deepEqual(regionOf(301, { 'x-amz-bucket-region': 'eu-west-1' }, '<Error><Code>PermanentRedirect</Code></Error>'), { region: 'eu-west-1', reason: 'PermanentRedirect' });
    assert.deepEqual(regionOf(400, { 'x-amz-bucket-region': 'eu-west-1' }, ''), { region: 'eu-west-1', reason: 'x-amz-bucket-region' });
    assert.deepEqual(regionOf(403, { 'x-amz-bucket-region': 'us-west-2' }, ''), { region: 'us-west-2', reason: 'x-amz-bucket-region' });
  });

  it('takes the region of an AuthorizationHeaderMalformed document, or the one its message expects', () => {
    const withRegion = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; expecting 'eu-central-1'</Message><Region>eu-central-1</Region></Error>";
    assert.deepEqual(regionOf(400, {}, withRegion), { region: 'eu-central-1', reason: 'AuthorizationHeaderMalformed' });
    const messageOnly = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'sa-east-1'</Message></Error>";
    assert.deepEqual(regionOf(400, {}, messageOnly), { region: 'sa-east-1', reason: 'AuthorizationHeaderMalformed' });
  });

  it('names no region for other answers', () => {
    assert.equal(regionOf(200, { 'x-amz-bucket-region': 'eu-west-1' }, ''), undefined);
    assert.equal(regionOf(404, { 'x-amz-bucket-region': 'eu-west-1' }, '<Error><Code>NoSuchKey</Code></Error>'), undefined);
    assert.equal(regionOf(400, {}, "<Error><Code>InvalidArgument</Code><Message>expecting 'x'</Message></Error>"), undefined);
    assert.equal(regionOf(403, {}, '<Error><Code>SignatureDoesNotMatch</Code></Error>'), undefined);
    assert.equal(regionOf(301, { 'x-amz-bucket-region': 'not a region!' }, ''), undefined);
  });
});
