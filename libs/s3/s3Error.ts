export class S3Error extends Error {
  /** Set by atSource() on errors of the source's GET; unset where the side is not known. */
  fromSource?: boolean;

  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'S3Error';
  }
}

export const CHECKSUM_MISMATCH = 'ChecksumMismatch';

export function checksumMismatch(detail?: string): S3Error {
  return new S3Error(CHECKSUM_MISMATCH, 'checksum mismatch', 0, true, detail ? { cause: new Error(detail) } : undefined);
}

/** S3 error codes worth retrying even though their status is 4xx. */
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'OperationAborted',
  'InternalError',
  'ServiceUnavailable',
  'NetworkError',
  CHECKSUM_MISMATCH,
]);

/** Node's codes for a server certificate that does not verify (OpenSSL's X509 verify results, and the host name check). */
const CERTIFICATE_ERROR_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/**
 * What a store answers when it has no room: MinIO `507 XMinioStorageFull` (a full drive) and
 * `400 XMinioAdminBucketQuotaExceeded`, AWS/Ceph RGW `403 QuotaExceeded`, and `507 InsufficientStorage`.
 */
const STORAGE_FULL_CODES = new Set(['XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded', 'QuotaExceeded', 'InsufficientStorage']);
const INSUFFICIENT_STORAGE = 507;

/** Codes that refuse every write to the destination, not one object: bad credentials, no bucket, no permission, an untrusted certificate. */
const WRITES_REFUSED_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'NoSuchBucket', 'CertificateRejected']);

/** A full store or exhausted quota: 507 whatever its code (some answer 507 EntityTooLarge), or a storage-full code. */
export function isStorageFull(status: number, code: string): boolean {
  return status === INSUFFICIENT_STORAGE || STORAGE_FULL_CODES.has(code);
}

/**
 * Why a failed copy says the whole destination refuses writes (`full` or `refused`), or undefined when
 * the failure may be this object's alone. Errors known to come from the source never count.
 */
export function destinationWideFailure(err: S3Error): 'full' | 'refused' | undefined {
  if (err.fromSource) return undefined;
  if (isStorageFull(err.status, err.code)) return 'full';
  return WRITES_REFUSED_CODES.has(err.code) ? 'refused' : undefined;
}

/** The error of a source request, marked as the source's so it never counts against the destination. */
export function atSource(err: unknown): S3Error {
  const classified = classifyS3Error(err);
  classified.fromSource = true;
  return classified;
}

/** Decides whether a status/code pair is transient: 5xx, 429 and a few named 4xx codes; a full store is not. */
export function isRetryable(status: number, code: string): boolean {
  if (isStorageFull(status, code)) return false;
  if (code === 'BadDigest' || RETRYABLE_CODES.has(code)) return true;
  if (status === 429 || status >= 500) return code !== 'NotImplemented';
  return false;
}

/** Builds the error for an S3 answer; BadDigest (destination saw a corrupt body) becomes ChecksumMismatch. */
export function s3ErrorFromResponse(status: number, code: string | undefined, message: string | undefined): S3Error {
  const resolved = code || defaultCodeForStatus(status);
  if (resolved === 'BadDigest') return checksumMismatch(message);
  return new S3Error(resolved, message || `${resolved} (HTTP ${status})`, status, isRetryable(status, resolved));
}

function defaultCodeForStatus(status: number): string {
  switch (status) {
    case 400: return 'BadRequest';
    case 403: return 'AccessDenied';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 412: return 'PreconditionFailed';
    case 429: return 'SlowDown';
    case 501: return 'NotImplemented';
    case 503: return 'ServiceUnavailable';
    case INSUFFICIENT_STORAGE: return 'InsufficientStorage';
    default: return status >= 500 ? 'InternalError' : `Http${status}`;
  }
}

interface SdkLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/** Maps anything thrown by this library, the SDK or node:http to one S3Error. */
export function classifyS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (typeof err !== 'object' || err === null) {
    return new S3Error('Unknown', String(err), 0, false);
  }
  const e = err as SdkLikeError;
  const options = { cause: err };
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') {
    return new S3Error('Aborted', 'request aborted', 0, true, options);
  }
  if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT' || e.code === 'ESOCKETTIMEDOUT') {
    return new S3Error('NetworkError', e.message ?? 'timed out', 0, true, options);
  }
  const nodeCode = e.code ?? (e as { errno?: string }).errno;
  if (typeof nodeCode === 'string' && NETWORK_ERROR_CODES.has(nodeCode)) {
    return new S3Error('NetworkError', e.message ?? nodeCode, 0, true, options);
  }
  if (typeof nodeCode === 'string' && CERTIFICATE_ERROR_CODES.has(nodeCode)) {
    // Retrying cannot help: the endpoint needs its CA trusted (README "HTTPS and private CAs").
    const advice = 'trust its CA with AWS_CA_BUNDLE, ferry.source.ca_bundle or the job\'s destination_ca_bundle';
    return new S3Error('CertificateRejected', `server certificate rejected: ${e.message ?? nodeCode} (${nodeCode}); ${advice}`, 0, false, options);
  }
  if (e.message === 'aborted' || e.message === 'socket hang up') {
    return new S3Error('NetworkError', e.message, 0, true, options);
  }
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (typeof status === 'number' && status >= 300) {
    const code = e.Code ?? (e.name && e.name !== 'Error' && !/^\d+$/.test(e.name) ? e.name : undefined);
    const classified = s3ErrorFromResponse(status, code, e.message);
    return new S3Error(classified.code, classified.message, classified.status, classified.retryable, options);
  }
  return new S3Error('Unknown', e.message ?? String(err), 0, false, options);
}

/** The cause in one line: HTTP status and S3 code for an answer, the socket's error code (ECONNREFUSED, ENOTFOUND, EPROTO…) otherwise. */
export function endpointCause(failure: S3Error): string {
  if (failure.status > 0) return `HTTP ${failure.status} ${failure.code}: ${failure.message}`;
  const nodeCode = socketErrorCode(failure);
  const named = nodeCode !== undefined && !failure.message.includes(nodeCode) ? `${nodeCode} ` : '';
  return `${failure.code}: ${named}${failure.message}`;
}

/** The socket's error code (ECONNREFUSED, ENOTFOUND, EPROTO…) behind a failure that got no answer. */
export function socketErrorCode(failure: S3Error): string | undefined {
  const nodeCode = (failure.cause as { code?: unknown } | undefined)?.code;
  return typeof nodeCode === 'string' ? nodeCode : undefined;
}
