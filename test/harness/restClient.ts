import { TEST_TOKEN } from './ferryProcess.js';

export interface RestResponse<T = any> {
  status: number;
  body: T;
}

/** A JSON call to the REST API, as curl would make it. */
export async function rest<T = any>(port: number, method: string, path: string, body?: unknown, token: string | null = TEST_TOKEN): Promise<RestResponse<T>> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // leave as text
  }
  return { status: res.status, body: parsed as T };
}
