import { authHeaders, ApiError, errorFrom } from './api.js';

export interface ServerEvent {
  event: string;
  data: string;
}

/**
 * Server-Sent Events read with fetch(), because EventSource cannot send the Authorization header (and
 * Ferry refuses tokens in URLs). Resolves when the server ends the stream; rejects with an ApiError on a
 * refusal or an `event: error`, and with the fetch's error when the connection fails or `signal` aborts.
 */
export async function streamEvents(path: string, onData: (data: string) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(path, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal, cache: 'no-store' });
  if (!res.ok) throw await errorFrom(res);
  if (!res.body) throw new ApiError(res.status, 'INTERNAL', 'the event stream has no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = eventParser((ev) => {
    if (ev.event === 'error') throw streamError(ev.data);
    onData(ev.data);
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser(value);
  }
}

/** The event-stream format (HTML's "Server-sent events"): fields per line, an event per blank line. */
export function eventParser(dispatch: (ev: ServerEvent) => void): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  return (chunk) => {
    buffer += chunk;
    const lines = buffer.split(/\r\n|\r(?!$)|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) dispatch({ event: event || 'message', data: data.join('\n') });
        data = [];
        event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
  };
}

function streamError(data: string): ApiError {
  try {
    const body = JSON.parse(data) as { error?: { code?: string; message?: string; http_status?: number } };
    return new ApiError(body.error?.http_status ?? 500, body.error?.code ?? 'UNKNOWN', body.error?.message ?? data);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return new ApiError(500, 'UNKNOWN', data);
  }
}
