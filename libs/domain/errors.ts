/**
 * Typed errors shared by every service. Transports map `code` to gRPC and HTTP
 * status in exactly one place (libs/transport/statusMapping.ts); nothing else
 * decides a status code.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface ErrorDetail {
  field?: string;
  reason: string;
}

export class FerryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FerryError';
  }
}

export function invalidField(field: string, reason: string): FerryError {
  return new FerryError('INVALID_ARGUMENT', `${field}: ${reason}`, [{ field, reason }]);
}

export function jobNotFound(jobId: string): FerryError {
  return new FerryError('NOT_FOUND', `job ${jobId} not found`);
}

export function jobAlreadyExists(jobId: string): FerryError {
  return new FerryError('ALREADY_EXISTS', `job ${jobId} already exists`, [{ field: 'job_id', reason: 'already exists' }]);
}

export function transitionRefused(action: string, status: string): FerryError {
  return new FerryError('FAILED_PRECONDITION', `cannot ${action} a job that is ${status}`, [
    { field: 'status', reason: status },
  ]);
}
