import type { AnswerOf, SentOf } from '../../../libs/api/index.js';
import { storedToken } from './session.js';

export type Job = AnswerOf<'GetJob'>;
export type Progress = NonNullable<Job['progress']>;
export type JobSpec = SentOf<'CreateJob'>;
export type Identity = AnswerOf<'GetIdentity'>;

export interface ErrorDetail {
  field?: string;
  reason: string;
}

/** An answer other than 2xx, as the API's error body says it ({ error: { code, message, details } }). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onUnauthorized: (error: ApiError) => void = () => undefined;

/** What the console does when the API refuses its token (401): back to sign-in, saying why. */
export function whenUnauthorized(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export function authHeaders(token = storedToken()): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

export async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text();
  let error: ApiError;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: ErrorDetail[] } };
    error = new ApiError(res.status, body.error?.code ?? String(res.status), body.error?.message ?? (text || res.statusText), body.error?.details ?? []);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    error = new ApiError(res.status, String(res.status), text || res.statusText);
  }
  if (res.status === 401) onUnauthorized(error);
  return error;
}

/** One JSON call to the REST API with the session's token. */
export async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(token) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  if (!res.ok) throw await errorFrom(res);
  return (await res.json()) as T;
}

const JOBS = '/admin/batch/jobs';
const job = (id: string) => `${JOBS}/${encodeURIComponent(id)}`;
const query = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== 0) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export type JobAction = 'start' | 'pause' | 'resume' | 'cancel' | 'retry-failed';

export const api = {
  identity: (token?: string) => call<Identity>('GET', '/admin/batch/identity', undefined, token),
  listJobs: (p: { page_size?: number; page_token?: string; status?: string }) => call<AnswerOf<'ListJobs'>>('GET', `${JOBS}${query(p)}`),
  getJob: (id: string) => call<Job>('GET', job(id)),
  createJob: (spec: JobSpec) => call<Job>('POST', JOBS, spec),
  act: (id: string, action: JobAction) => call<Job>('POST', `${job(id)}/${action}`),
  deleteJob: (id: string) => call<AnswerOf<'DeleteJob'>>('DELETE', job(id)),
  failed: (id: string) => call<AnswerOf<'ListFailedObjects'>>('GET', `${job(id)}/failed?page_size=100`),
  errors: (id: string) => call<AnswerOf<'ListJobErrors'>>('GET', `${job(id)}/errors?page_size=50`),
  history: (id: string, page_token?: string) => call<AnswerOf<'GetJobHistory'>>('GET', `${job(id)}/history${query({ page_size: 1000, page_token })}`),
  notifications: (id: string) => call<AnswerOf<'ListNotifications'>>('GET', `${job(id)}/notifications?page_size=50`),
  watchPath: (id: string) => `${job(id)}/watch`,
};
