import type { ServerResponse } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { ErrorDetail } from '../domain/errors.js';
import { httpStatusFor, statusName } from './statusMapping.js';

/** A refusal the gateway decides itself; httpStatus overrides the grpc-derived one (405, 413, 415). */
export class HttpError extends Error {
  constructor(
    readonly grpcCode: grpc.status,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly httpStatus: number = httpStatusFor(grpcCode),
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function badRequest(field: string | undefined, reason: string, message = field ? `${field}: ${reason}` : reason): HttpError {
  return new HttpError(grpc.status.INVALID_ARGUMENT, message, [field ? { field, reason } : { reason }]);
}

export interface ErrorBody {
  error: { code: string; http_status: number; message: string; details: ErrorDetail[] };
}

export function errorBody(grpcCode: grpc.status, httpStatus: number, message: string, details: ErrorDetail[]): ErrorBody {
  return { error: { code: statusName(grpcCode), http_status: httpStatus, message, details } };
}

export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function writeHttpError(res: ServerResponse, err: HttpError, headers: Record<string, string> = {}): void {
  writeJson(res, err.httpStatus, errorBody(err.grpcCode, err.httpStatus, err.message, err.details), { ...err.headers, ...headers });
}
