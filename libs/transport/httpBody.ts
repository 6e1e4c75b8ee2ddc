import type { IncomingMessage } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { badRequest, HttpError } from './httpErrors.js';

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_JSON_DEPTH = 32;
/** How much of a body the gateway answered without reading it reads on and throws away. */
export const MAX_DISCARDED_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Reads a JSON request body: application/json only, at most MAX_BODY_BYTES
 * (reading stops at the limit), strict UTF-8, nesting at most MAX_JSON_DEPTH.
 * An empty body reads as {}.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (declared === undefined || declared === '0')) return {};
  checkContentType(req.headers['content-type']);
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);

  const bytes = await readLimited(req, limit);
  if (bytes.length === 0) return {};
  return parseJson(bytes);
}

export function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (err) {
    // A fatal TextDecoder throws a TypeError (ERR_ENCODING_INVALID_ENCODED_DATA) on malformed input.
    if (err instanceof TypeError) throw badRequest(undefined, 'request body is not valid UTF-8');
    throw err;
  }
  // Checked before parsing so a hostile body cannot drive JSON.parse deep.
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw badRequest(undefined, `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(undefined, `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Maximum bracket nesting, ignoring brackets inside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Reads and throws away the rest of a body the gateway answers without reading (413, 415, ...), so a
 * client still sending gets to read the answer: closing a socket with unread bytes resets the
 * connection, and a client whose write fails first never sees the answer. Past `limit` discarded
 * bytes the connection is closed. False when the declared length is already past it: answer with
 * `connection: close` then.
 */
export function discardBody(req: IncomingMessage, limit = MAX_DISCARDED_BODY_BYTES): boolean {
  if (Number(req.headers['content-length']) > limit) return false;
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit) req.socket.destroy();
  });
  req.resume();
  return true;
}

function checkContentType(header: string | undefined): void {
  const [mediaType, ...params] = (header ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
    throw new HttpError(grpc.status.INVALID_ARGUMENT, 'request body must be application/json (UTF-8)', [{ field: 'content-type', reason: `unsupported: ${header ?? 'missing'}` }], 415);
  }
}

function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onIncomplete);
      req.off('close', onIncomplete);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    // The client hung up or the parser gave up before the body was complete: a client fault, not ours.
    const onIncomplete = () => {
      cleanup();
      reject(badRequest('body', 'ended before it was complete'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onIncomplete);
    req.on('close', onIncomplete);
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(grpc.status.RESOURCE_EXHAUSTED, `request body exceeds ${limit} bytes`, [{ field: 'body', reason: `larger than ${limit} bytes` }], 413);
}
