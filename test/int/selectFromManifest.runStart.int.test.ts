import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { selectFromManifest } from '../../libs/selection/index.js';
import { closeSdkClients, sdkClient } from '../../libs/s3/index.js';
import { startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';

/** A manifest run skips an object identical at the destination only when the run cannot have written it (mayBeThisRunsCopy). */
describe('a manifest row whose object is identical at the destination', () => {
  let s3: S3Fixture;
  let written: number;

  before(async () => {
    s3 = await startS3Fixture(['src', 'dst']);
    const client = sdkClient(s3.endpoint);
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'k', Body: 'same bytes' }));
    await client.send(new PutObjectCommand({ Bucket: 'dst', Key: 'k', Body: 'same bytes' }));
    await client.send(new PutObjectCommand({ Bucket: 'src', Key: 'manifest.csv', Body: 'src,k\n' }));
    written = (await client.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'k' }))).LastModified!.getTime();
  });

  after(async () => {
    closeSdkClients();
    await s3?.stop();
  });

  const actionFor = async (runStartedAt?: string): Promise<string[]> => {
    const definition = { source_bucket: 'src', destination_bucket: 'dst', manifest: { bucket: 'src', key: 'manifest.csv', format: 'csv' as const, endpoint: 'source' as const } };
    const actions: string[] = [];
    for await (const page of selectFromManifest({ source: s3.endpoint, destination: s3.endpoint }, definition, { runStartedAt })) actions.push(...page.map((o) => `${o.object.key}:${o.action}`));
    return actions;
  };

  it('is queued when written in a later second than the run began', async () => {
    assert.deepEqual(await actionFor(new Date(written - 1000).toISOString()), ['k:copy']);
  });

  it('is skipped when written before the run began, or in its first second', async () => {
    assert.deepEqual(await actionFor(new Date(written + 999).toISOString()), ['k:skip']);
    assert.deepEqual(await actionFor(), ['k:skip']);
  });
});
