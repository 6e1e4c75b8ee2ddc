import { endpointCause, socketErrorCode, type S3Error } from './s3Error.js';

/**
 * The steps of a pre-flight check of one bucket and what the answers mean for each: no I/O here
 * (bucketCheck.ts makes the requests), so each judgement is unit-tested on its own.
 */
export type CheckSide = 'source' | 'destination';
export type CheckStepName = 'credentials' | 'dns' | 'tcp' | 'tls' | 'signature' | 'bucket' | 'list' | 'write' | 'delete';
export type CheckStepStatus = 'passed' | 'failed' | 'skipped';

export interface CheckStep {
  name: CheckStepName;
  status: CheckStepStatus;
  detail: string;
  /** On a failure: the server's error code (NoSuchBucket) or the socket's (ECONNREFUSED). */
  code?: string;
  http_status?: number;
  /** On a failure: its cause alone, without the step's context (for a start's refusal, which names the context itself). */
  cause?: string;
  /** A failure a retry may cure (5xx, throttling, a dropped request): the run would retry it, so it does not refuse a start. */
  transient?: boolean;
}

export interface BucketCheck {
  side: CheckSide;
  endpoint: string;
  bucket: string;
  ok: boolean;
  steps: CheckStep[];
}

/** Codes by which a server refuses who signed the request (not what it asked for). */
const AUTHENTICATION_CODES: ReadonlySet<string> = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'AuthorizationHeaderMalformed',
  'MissingSecurityHeader',
  'InvalidSecurity',
  'RequestTimeTooSkewed',
]);

export function passed(name: CheckStepName, detail: string): CheckStep {
  return { name, status: 'passed', detail };
}

export function skipped(name: CheckStepName, detail: string): CheckStep {
  return { name, status: 'skipped', detail };
}

/** A failed step with the server's (or the socket's) code and the cause in one line, after `context`. */
export function failedWith(name: CheckStepName, failure: S3Error, context: string): CheckStep {
  const cause = endpointCause(failure);
  const step: CheckStep = { name, status: 'failed', detail: `${context}: ${cause}`, cause, code: failure.status > 0 ? failure.code : (socketErrorCode(failure) ?? failure.code) };
  if (failure.status > 0) step.http_status = failure.status;
  if (failure.retryable) step.transient = true;
  return step;
}

/**
 * The signature step, from the answer to a ListBuckets (`GET /`, which names no bucket): an answer that
 * is not an authentication refusal shows the server accepted the signature, a 403 AccessDenied too
 * (the keys are known, only ListBuckets is not allowed, and a job does not need it).
 */
export function signatureStep(answer: S3Error | undefined, endpoint: string): CheckStep {
  if (!answer) return passed('signature', `signature accepted by ${endpoint} (ListBuckets answered)`);
  if (AUTHENTICATION_CODES.has(answer.code) || answer.status === 0 || answer.retryable) return failedWith('signature', answer, `ListBuckets at ${endpoint}`);
  if (answer.status === 403) return passed('signature', `signature accepted by ${endpoint} (ListBuckets itself refused as ${answer.code}, which a job does not need)`);
  return skipped('signature', `not shown: ListBuckets at ${endpoint} answered ${endpointCause(answer)}; the bucket request below is signed the same way`);
}

/**
 * The bucket and list steps, from the answer to a ListObjectsV2 of at most 0 keys and, when that was
 * denied, the status of a HEAD of the bucket (200: it exists; 404: it does not; 403: cannot tell).
 */
export function bucketSteps(bucket: string, listing: S3Error | undefined, headStatus?: number): [CheckStep, CheckStep] {
  if (!listing) return [passed('bucket', `bucket ${bucket} exists`), passed('list', `ListObjectsV2 on ${bucket} allowed`)];
  const listed = failedWith('list', listing, `ListObjectsV2 on ${bucket}`);
  if (listing.code === 'NoSuchBucket') return [failedWith('bucket', listing, `bucket ${bucket} does not exist`), skipped('list', 'no bucket to list')];
  if (listing.code !== 'AccessDenied') return [failedWith('bucket', listing, `ListObjectsV2 on ${bucket}`), skipped('list', 'the bucket request failed')];
  if (headStatus === 404) {
    const cause = 'HEAD answered HTTP 404';
    return [{ name: 'bucket', status: 'failed', detail: `bucket ${bucket} does not exist: ${cause}`, cause, code: 'NoSuchBucket', http_status: 404 }, skipped('list', 'no bucket to list')];
  }
  if (headStatus !== undefined && headStatus >= 200 && headStatus < 300) return [passed('bucket', `bucket ${bucket} exists (HEAD answered HTTP ${headStatus})`), listed];
  return [skipped('bucket', `cannot tell whether bucket ${bucket} exists: listing is denied and HEAD answered ${headStatus === undefined ? 'nothing' : `HTTP ${headStatus}`}`), listed];
}

/** Whether the check shows a problem: any failed step. */
export function checkOk(steps: CheckStep[]): boolean {
  return steps.every((s) => s.status !== 'failed');
}

export interface StartRefusal {
  code: 'FAILED_PRECONDITION' | 'PERMISSION_DENIED';
  side: CheckSide;
  message: string;
  /** What is wrong in a few words, with the code: `does not exist (NoSuchBucket)`. */
  reason: string;
}

const REACHING: ReadonlySet<CheckStepName> = new Set(['dns', 'tcp', 'tls']);

/**
 * Why a start is refused, naming side, bucket, endpoint and cause; undefined when the run may start.
 * An endpoint that cannot be reached or a bucket that is missing or refused is refused; a transient
 * answer (5xx, throttling) is not, since the run retries those under the job's policy.
 */
export function startRefusal(checks: BucketCheck[]): StartRefusal | undefined {
  for (const check of checks) {
    const step = check.steps.find((s) => s.status === 'failed' && (REACHING.has(s.name) || !s.transient));
    if (!step) continue;
    const where = `${check.side} bucket ${check.bucket} at ${check.endpoint}`;
    const denied = step.code !== undefined && (AUTHENTICATION_CODES.has(step.code) || step.code === 'AccessDenied');
    const what = REACHING.has(step.name)
      ? `cannot be reached (${step.name})`
      : step.code === 'NoSuchBucket'
        ? 'does not exist'
        : `fails the ${step.name} check`;
    return {
      code: denied ? 'PERMISSION_DENIED' : 'FAILED_PRECONDITION',
      side: check.side,
      message: `${where} ${what}: ${step.cause ?? step.detail}`,
      reason: step.code ? `${what} (${step.code})` : what,
    };
  }
  return undefined;
}
