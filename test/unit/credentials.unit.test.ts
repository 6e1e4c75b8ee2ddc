import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialKindOf, describeCredentialKind, jobCredentialKinds, validateJobDefinition } from '../../libs/domain/index.js';
import { CredentialSource, onBackgroundRefreshFailure, REFRESH_MARGIN_MS, refreshAt } from '../../libs/s3/credentials.js';
import { SigV4Signer } from '../../libs/s3/sigv4.js';

describe('which credential kind a spec resolves to', () => {
  it('is a role when one is named, whatever keys are given', () => {
    assert.deepEqual(credentialKindOf({ accessKey: 'a', secretKey: 's', roleArn: 'arn:aws:iam::1:role/R' }), { type: 'role', role_arn: 'arn:aws:iam::1:role/R' });
    assert.deepEqual(credentialKindOf({ roleArn: 'arn:aws:iam:::role/R' }), { type: 'role', role_arn: 'arn:aws:iam:::role/R' });
  });
  it('is static with both keys, the default chain with none', () => {
    assert.deepEqual(credentialKindOf({ accessKey: 'a', secretKey: 's' }), { type: 'static' });
    assert.deepEqual(credentialKindOf({}), { type: 'default_chain' });
    assert.deepEqual(credentialKindOf({ accessKey: '', secretKey: '' }), { type: 'default_chain' });
  });
  it('describes each kind without a secret', () => {
    assert.equal(describeCredentialKind({ type: 'static' }), 'static');
    assert.equal(describeCredentialKind({ type: 'default_chain' }), 'default_chain');
    assert.equal(describeCredentialKind({ type: 'role', role_arn: 'arn:aws:iam:::role/R' }), 'role arn:aws:iam:::role/R');
  });
  it("gives a job's destination its own keys, the chain for an endpoint without keys, and the source's when it names no endpoint", () => {
    assert.deepEqual(jobCredentialKinds({ destination_endpoint: 'http://d', destination_access_key: 'k' }, true), { source_credentials: 'static', destination_credentials: 'static' });
    assert.deepEqual(jobCredentialKinds({ destination_endpoint: 'http://d' }, true), { source_credentials: 'static', destination_credentials: 'default_chain' });
    assert.deepEqual(jobCredentialKinds({}, false), { source_credentials: 'default_chain', destination_credentials: 'default_chain' });
    assert.deepEqual(jobCredentialKinds({}, true), { source_credentials: 'static', destination_credentials: 'static' });
    assert.deepEqual(jobCredentialKinds({ source_role_arn: 'arn:aws:iam:::role/S', destination_role_arn: 'arn:aws:iam::1:role/D' }, true), {
      source_credentials: 'role arn:aws:iam:::role/S',
      destination_credentials: 'role arn:aws:iam::1:role/D',
    });
  });
});

describe('role fields of a job', () => {
  const base = { job_id: 'j', source_bucket: 'src', destination_bucket: 'dst' };
  it('accepts AWS and Ceph RGW role ARNs with an STS endpoint, external id and session name', () => {
    const def = validateJobDefinition({ ...base, source_role_arn: 'arn:aws:iam:::role/R', destination_role_arn: 'arn:aws:iam::123456789012:role/path/W', external_id: 'ext-1', session_name: 'ferry-1', sts_endpoint: 'http://127.0.0.1:8000' }, {});
    assert.equal(def.source_role_arn, 'arn:aws:iam:::role/R');
  });
  for (const [field, value] of [
    ['source_role_arn', 'role/R'],
    ['destination_role_arn', 'arn:aws:s3:::bucket'],
    ['sts_endpoint', 'ftp://sts'],
    ['session_name', 'has space'],
  ] as const) {
    it(`refuses ${field} = ${JSON.stringify(value)} naming the field`, () => {
      assert.throws(() => validateJobDefinition({ ...base, source_role_arn: 'arn:aws:iam:::role/R', [field]: value }, {}), (err: Error & { details?: Array<{ field?: string }> }) => err.details?.[0]?.field === field);
    });
  }
  it('refuses external_id, session_name or sts_endpoint without a role', () => {
    assert.throws(() => validateJobDefinition({ ...base, external_id: 'ext-1' }, {}), /external_id: applies only with/);
  });
});

describe('refresh timing', () => {
  it('refreshes long-lived credentials REFRESH_MARGIN_MS before they expire', () => {
    const obtained = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(refreshAt(obtained, new Date(obtained + 3_600_000)), obtained + 3_600_000 - REFRESH_MARGIN_MS);
  });
  it('refreshes short-lived credentials half-way through their life', () => {
    assert.equal(refreshAt(1_000, new Date(5_000)), 3_000);
  });
  it('never schedules credentials without an expiry, and refreshes expired ones at once', () => {
    assert.equal(refreshAt(1_000, undefined), undefined);
    assert.equal(refreshAt(10_000, new Date(5_000)), 5_000);
  });
  it('shares one fetch among concurrent refreshes and keeps the value in hand while fetching', async () => {
    let fetches = 0;
    let release!: () => void;
    const source = new CredentialSource('t', { type: 'default_chain' }, async () => {
      fetches++;
      if (fetches > 1) await new Promise<void>((resolve) => (release = resolve));
      return { accessKeyId: `K${fetches}`, secretAccessKey: 's' };
    });
    assert.equal((await source.ready()).accessKeyId, 'K1');
    const a = source.refresh();
    const b = source.refresh();
    assert.equal(source.current?.accessKeyId, 'K1');
    release();
    assert.equal((await a).accessKeyId, 'K2');
    assert.equal((await b).accessKeyId, 'K2');
    assert.equal(fetches, 2);
    source.close();
  });
});

describe('background refresh', () => {
  it('reports a failed background refresh and tries again', async () => {
    const reported: [string, string, number][] = [];
    onBackgroundRefreshFailure((kind, err, consecutive) => reported.push([kind.type, (err as Error).message, consecutive]));
    let fetches = 0;
    let refreshed!: () => void;
    const thirdFetch = new Promise<void>((resolve) => (refreshed = resolve));
    const source = new CredentialSource('t', { type: 'default_chain' }, async () => {
      fetches++;
      // The first credentials are due for refresh at once; the refresh fails once, then succeeds.
      if (fetches === 1) return { accessKeyId: 'K1', secretAccessKey: 's', expiration: new Date(Date.now()) };
      if (fetches === 2) throw new Error('instance metadata unreachable');
      refreshed();
      return { accessKeyId: 'K3', secretAccessKey: 's' };
    });
    // The source's timer does not hold the process open; this does, until the refresh has happened.
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      assert.equal((await source.ready()).accessKeyId, 'K1');
      await thirdFetch;
      assert.deepEqual(reported, [['default_chain', 'instance metadata unreachable', 1]]);
    } finally {
      clearInterval(keepAlive);
      source.close();
      onBackgroundRefreshFailure(undefined);
    }
  });
});

describe('the SigV4 signer with temporary credentials', () => {
  it('sends and signs x-amz-security-token', () => {
    const headers: Record<string, string> = { host: 'h', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    new SigV4Signer('ASIAX', 'secret', 'us-east-1', 's3', 'the-token').sign('GET', '/b/k', undefined, headers, Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(headers['x-amz-security-token'], 'the-token');
    assert.match(headers.authorization!, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
  });
});
