import * as grpc from '@grpc/grpc-js';
import { FerryError, type ErrorCode, type ErrorDetail } from '../domain/errors.js';
import { TooManyFailedAuthentications } from './failedAuthLimiter.js';

/** Trailing-metadata key carrying FerryError details as ASCII-safe JSON. */
export const ERROR_DETAILS_KEY = 'ferry-error-details';
/** Trailing-metadata key carrying the seconds a refused client should wait, as HTTP's Retry-After. */
export const RETRY_AFTER_KEY = 'retry-after';

const GRPC_STATUS_FOR: Record<ErrorCode, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

export function grpcStatusFor(code: ErrorCode): grpc.status {
  return GRPC_STATUS_FOR[code];
}

/** As grpc-gateway's runtime.HTTPStatusFromCode. */
export function httpStatusFor(code: grpc.status): number {
  switch (code) {
    case grpc.status.OK:
      return 200;
    case grpc.status.CANCELLED:
      return 499;
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.OUT_OF_RANGE:
      return 400;
    case grpc.status.UNAUTHENTICATED:
      return 401;
    case grpc.status.PERMISSION_DENIED:
      return 403;
    case grpc.status.NOT_FOUND:
      return 404;
    case grpc.status.ALREADY_EXISTS:
    case grpc.status.FAILED_PRECONDITION:
    case grpc.status.ABORTED:
      return 409;
    case grpc.status.RESOURCE_EXHAUSTED:
      return 429;
    case grpc.status.UNIMPLEMENTED:
      return 501;
    case grpc.status.UNAVAILABLE:
      return 503;
    case grpc.status.DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

/** 'INVALID_ARGUMENT' for grpc.status.INVALID_ARGUMENT; 'UNKNOWN' for codes outside the enum. */
export function statusName(code: grpc.status): string {
  return grpc.status[code] ?? 'UNKNOWN';
}

export interface GrpcErrorLike {
  code: grpc.status;
  details: string;
  metadata: grpc.Metadata;
}

/** For statuses the transport itself decides and FerryError has no code for (UNIMPLEMENTED). */
export class TransportStatusError extends Error {
  constructor(
    readonly grpcCode: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = 'TransportStatusError';
  }
}

/** FerryError keeps its code, message and details; anything else becomes a generic INTERNAL. */
export function toGrpcError(err: unknown): GrpcErrorLike {
  const metadata = new grpc.Metadata();
  if (err instanceof TransportStatusError) return { code: err.grpcCode, details: err.message, metadata };
  if (!(err instanceof FerryError)) {
    return { code: grpc.status.INTERNAL, details: 'internal error', metadata };
  }
  if (err.details.length > 0) metadata.set(ERROR_DETAILS_KEY, encodeDetails(err.details));
  if (err instanceof TooManyFailedAuthentications) metadata.set(RETRY_AFTER_KEY, String(err.retryAfterSeconds));
  return { code: grpcStatusFor(err.code), details: err.message, metadata };
}

/** Reads the details toGrpcError put in trailing metadata; tolerates absence and garbage. */
export function readErrorDetails(metadata: grpc.Metadata | undefined): ErrorDetail[] {
  const raw = metadata?.get(ERROR_DETAILS_KEY)[0];
  if (typeof raw !== 'string') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    if (err instanceof SyntaxError) return []; // details from a server that is not Ferry's
    throw err;
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isErrorDetail).map((d) => (d.field === undefined ? { reason: d.reason } : { field: d.field, reason: d.reason }));
}

// Non-binary metadata values must be printable ASCII, so escape everything else.
function encodeDetails(details: ErrorDetail[]): string {
  return JSON.stringify(details).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function isErrorDetail(value: unknown): value is ErrorDetail {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.reason === 'string' && (v.field === undefined || typeof v.field === 'string');
}
