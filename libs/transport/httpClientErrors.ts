import { STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { errorBody } from './httpErrors.js';

/**
 * Requests Node's HTTP parser refuses (an unknown method, a control character in a header, headers
 * over 16 KB, Content-Length with Transfer-Encoding, a body cut short) never reach a request handler;
 * Node's default answer is a bare 400 with no body. This answers them with the gateway's JSON error,
 * on the same conditions Node uses: never into a response that has already started.
 */
export function answerClientErrorsAsJson(server: Server): void {
  const inFlight = new WeakMap<Duplex, ServerResponse>();
  server.on('request', (req, res: ServerResponse) => {
    inFlight.set(req.socket, res);
    res.once('close', () => {
      if (inFlight.get(req.socket) === res) inFlight.delete(req.socket);
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException & { reason?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight.get(socket)?.headersSent) {
      socket.destroy();
      return;
    }
    const [code, status] = statusFor(err.code);
    const payload = JSON.stringify(errorBody(code, status, `malformed HTTP request: ${err.reason ?? err.message}`, []));
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(payload)}`,
      'connection: close',
    ];
    socket.end(`${head.join('\r\n')}\r\n\r\n${payload}`, () => socket.destroy());
  });
}

function statusFor(code: string | undefined): [grpc.status, number] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [grpc.status.RESOURCE_EXHAUSTED, 431];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [grpc.status.DEADLINE_EXCEEDED, 408];
    default:
      return [grpc.status.INVALID_ARGUMENT, 400];
  }
}
