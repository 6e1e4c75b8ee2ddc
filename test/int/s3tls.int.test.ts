import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { closeSdkClients, createCopyEngine, listObjects, sdkClient, S3Error, type S3Endpoint } from '../../libs/s3/index.js';
import { setDefaultCaBundle, type EndpointTls } from '../../libs/http1/index.js';
import { checkBucket, closeCheckConnections } from '../../libs/s3/bucketCheck.js';
import { assumeRole } from '../../libs/credentials/assumeRole.js';
import { FerryError } from '../../libs/domain/index.js';
import { endpointAt, startS3Fixture, type S3Fixture } from '../harness/s3Fixture.js';
import { makeTestCertificates, type TestCertificates } from '../harness/testCertificates.js';
import { startTlsFront, type TlsFront } from '../harness/tlsFront.js';
import { makeTempDir } from '../harness/tempDir.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('HTTPS endpoints checked against the CA they are configured with (s3rver behind TLS, a CA made in the test)', () => {
  const tmp = makeTempDir('s3tls');
  let certs: TestCertificates;
  let otherCa: TestCertificates;
  let src: S3Fixture;
  let dst: S3Fixture;
  let front: TlsFront;
  const engine = createCopyEngine({ multipartThreshold: 5 * MiB, partSize: 5 * MiB, partConcurrency: 2 });

  before(async () => {
    [certs, otherCa, src, dst] = await Promise.all([
      makeTestCertificates(`${tmp.path}/a`),
      makeTestCertificates(`${tmp.path}/b`, 'Another CA'),
      startS3Fixture(['src']),
      startS3Fixture(['dst']),
    ]);
    front = await startTlsFront(dst.server.endpoint, certs);
  });
  after(async () => {
    setDefaultCaBundle(undefined);
    engine.close();
    closeSdkClients();
    closeCheckConnections();
    await front?.close();
    await Promise.all([src?.stop(), dst?.stop()]);
    tmp.remove();
  });

  const overHttps = (tls?: EndpointTls): S3Endpoint => ({ ...endpointAt(front.endpoint, dst.server), ...(tls ? { tls } : {}) });

  async function copyTo(destination: S3Endpoint, key: string, body: Buffer) {
    await sdkClient(src.endpoint).send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: body }));
    return engine.copy({ source: src.endpoint, sourceBucket: 'src', destination, destinationBucket: 'dst', key, size: body.length, etag: md5(body) });
  }

  async function stored(key: string): Promise<Buffer> {
    const out = await sdkClient(dst.endpoint).send(new GetObjectCommand({ Bucket: 'dst', Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }

  it('refuses the certificate of an endpoint whose CA is not trusted, as CertificateRejected, not retried', async () => {
    await assert.rejects(
      () => copyTo(overHttps(), 'refused', randomBytes(100)),
      (err: unknown) => {
        assert.ok(err instanceof S3Error, String(err));
        assert.equal(err.code, 'CertificateRejected');
        assert.equal(err.retryable, false);
        assert.match(err.message, /UNABLE_TO_VERIFY_LEAF_SIGNATURE.*destination_ca_bundle/);
        return true;
      },
    );
    await assert.rejects(() => copyTo(overHttps({ ca: otherCa.caPem }), 'other-ca', randomBytes(100)), { code: 'CertificateRejected' });
  });

  it('copies streamed and multipart objects to an endpoint given its CA, byte for byte', async () => {
    const destination = overHttps({ ca: certs.caPem });
    const small = randomBytes(7 * 1024 + 3);
    const large = randomBytes(11 * MiB + 5);
    for (const [key, body] of [['small', small], ['large', large]] as const) {
      const result = await copyTo(destination, key, body);
      assert.equal(result.bytes, body.length, key);
      assert.equal(md5(await stored(key)), md5(body), key);
    }
    const listed = [];
    for await (const page of listObjects(destination, 'dst')) listed.push(...page.map((o) => o.key));
    assert.deepEqual(listed.filter((k) => k === 'small' || k === 'large').sort(), ['large', 'small']);
    await sdkClient(destination).send(new HeadBucketCommand({ Bucket: 'dst' }));
  });

  it('trusts AWS_CA_BUNDLE for an endpoint without a CA of its own, and the endpoint’s own CA over it', async () => {
    setDefaultCaBundle(certs.caPem);
    try {
      const body = randomBytes(4096);
      await copyTo(overHttps(), 'default-ca', body);
      assert.equal(md5(await stored('default-ca')), md5(body));
      await assert.rejects(() => copyTo(overHttps({ ca: otherCa.caPem }), 'own-ca-wins', body), { code: 'CertificateRejected' });
    } finally {
      setDefaultCaBundle(undefined);
    }
  });

  it('accepts any certificate with insecureSkipVerify', async () => {
    const body = randomBytes(2048);
    await copyTo(overHttps({ insecureSkipVerify: true }), 'unchecked', body);
    assert.equal(md5(await stored('unchecked')), md5(body));
  });

  it("the pre-flight check's tls step fails naming the certificate error, passes with the CA, and says so when nothing is checked", async () => {
    const check = (tls?: EndpointTls) =>
      checkBucket({ side: 'destination', endpoint: front.endpoint, bucket: 'dst', ...(tls ? { tls } : {}), signing: async () => overHttps(tls) });
    const step = async (tls?: EndpointTls) => (await check(tls)).steps.find((s) => s.name === 'tls')!;

    const refused = await step();
    assert.equal(refused.status, 'failed');
    assert.equal(refused.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.match(refused.detail, /TLS handshake with https:\/\/127\.0\.0\.1:\d+: CertificateRejected/);

    const trusted = await check({ ca: certs.caPem });
    assert.equal(trusted.ok, true, JSON.stringify(trusted));
    assert.match(trusted.steps.find((s) => s.name === 'tls')!.detail, /certificate for 127\.0\.0\.1 issued by Ferry test CA/);
    assert.doesNotMatch(trusted.steps.find((s) => s.name === 'tls')!.detail, /NOT VERIFIED/);

    const unchecked = await step({ insecureSkipVerify: true });
    assert.equal(unchecked.status, 'passed');
    assert.match(unchecked.detail, /NOT VERIFIED .*insecure_skip_verify is set/);
  });

  it("reaches an https STS with the role's endpoint CA, and names the certificate when it is not trusted", async () => {
    // s3rver answers the AssumeRole POST with an S3 error: reaching it over verified TLS is what is shown here.
    const request = { roleArn: 'arn:aws:iam:::role/r', stsEndpoint: front.endpoint, region: 'us-east-1', field: 'destination_role_arn' };
    const master = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    await assert.rejects(() => assumeRole({ ...request, tls: { ca: certs.caPem } }, master), (err: unknown) => {
      assert.ok(err instanceof FerryError);
      assert.doesNotMatch(err.message, /cannot reach STS/);
      assert.match(err.message, /destination_role_arn: cannot assume role arn:aws:iam:::role\/r/);
      return true;
    });
    await assert.rejects(() => assumeRole(request, master), /cannot reach STS at https:\/\/127\.0\.0\.1:\d+ .*certificate/);
  });
});
