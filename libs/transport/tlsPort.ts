import { STATUS_CODES } from 'node:http';
import { performServerHandshake } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { errorBody } from './httpErrors.js';

/** The first byte of every TLS connection: a handshake record. */
const TLS_HANDSHAKE_RECORD = 0x16;
/** What an HTTP/2 client sends first without TLS ("prior knowledge", as a plain-text gRPC client does). */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0');
/** A connection that has sent nothing this long, or a refusal not read this long, is closed. */
const QUIET_MS = 10_000;

/**
 * Makes a TLS server hand Node's handshake only the connections that start one: a client speaking plain
 * text to it would otherwise see its connection reset with no reason given. Node's `tls.Server` starts
 * the handshake from its one 'connection' listener; that listener is moved behind a look at the first
 * bytes, which are put back unread. Any other first byte goes to `onPlainText`, which answers in the
 * protocol the client spoke and closes.
 */
export function divertPlainText(server: TlsServer, onPlainText: (socket: Socket, firstBytes: Buffer) => void): OpenConnections {
  const listeners = server.listeners('connection');
  if (listeners.length !== 1) throw new Error(`a TLS server has ${listeners.length} connection listeners, expected Node's one`);
  const startTls = listeners[0] as (this: TlsServer, socket: Socket) => void;
  server.removeListener('connection', startTls);
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const quiet = setTimeout(() => socket.destroy(), QUIET_MS);
    const settle = () => {
      clearTimeout(quiet);
      socket.off('readable', onReadable);
      socket.off('end', onGone);
      socket.off('error', onGone);
    };
    const onGone = () => {
      settle();
      socket.destroy();
    };
    const onReadable = () => {
      const first = socket.read() as Buffer | null;
      if (first === null) return;
      settle();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD) startTls.call(server, socket);
      else onPlainText(socket, first);
    };
    socket.on('readable', onReadable);
    socket.once('end', onGone);
    socket.once('error', onGone);
  });
  return {
    destroyAll() {
      for (const socket of open) socket.destroy();
    },
  };
}

/** Every connection a TLS port accepted that is still open: in its handshake, refused, or served. */
export interface OpenConnections {
  /** For a stop: a server's close() waits for every connection, and a client that says nothing would hold it. */
  destroyAll(): void;
}

/** The plain-text refusal's words; `scheme` is what the client should have used. */
export function plainTextMessage(scheme: 'https' | 'grpcs'): string {
  return scheme === 'https'
    ? 'this port serves HTTPS only (ferry.api_tls): the request was sent in plain text; use https://'
    : 'this port serves gRPC over TLS only (ferry.api_tls): the call was made in plain text; connect with TLS (ferry --server grpcs://HOST:PORT, or --ca FILE)';
}

/** How a client of each port presents a certificate, for the refusal's last words. */
const PRESENT_CERTIFICATE = {
  grpc: 'ferry --cert FILE --key FILE',
  rest: 'curl --cert FILE --key FILE',
} as const;

/**
 * Why a TLS connection's client certificate is not accepted when the server requires one, or undefined
 * when it is (the client CA signed it, it is valid now and it is for client authentication).
 */
export function clientCertificateProblem(socket: TLSSocket, port: keyof typeof PRESENT_CERTIFICATE): string | undefined {
  if (socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) {
    return `this server requires a client certificate (mutual TLS, ferry.api_tls.client_ca_file) and none was presented: give one, e.g. ${PRESENT_CERTIFICATE[port]}`;
  }
  const subject = peer.subject ? Object.entries(peer.subject).map(([k, v]) => `${k}=${String(v)}`).join(', ') : 'without a subject';
  const reason = socket.authorizationError ? String(socket.authorizationError) : 'not verified';
  return `the client certificate (${subject}, serial ${peer.serialNumber}) is not accepted: ${reason}; this server accepts certificates its client CA (ferry.api_tls.client_ca_file) signed`;
}

/** The first bytes are an HTTP/2 connection preface (or as much of it as arrived). */
export function isHttp2Preface(firstBytes: Buffer): boolean {
  const n = Math.min(firstBytes.length, HTTP2_PREFACE.length);
  return n > 0 && firstBytes.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
}

/** Answers whatever HTTP/1.x request arrives on `socket` with the gateway's JSON error, then closes it. */
export function refuseHttp1(socket: Duplex, code: grpc.status, httpStatus: number, message: string): void {
  const payload = JSON.stringify(errorBody(code, httpStatus, message, []));
  const head = [`HTTP/1.1 ${httpStatus} ${STATUS_CODES[httpStatus]}`, 'content-type: application/json; charset=utf-8', `content-length: ${Buffer.byteLength(payload)}`, 'connection: close'];
  socket.on('error', () => socket.destroy());
  // The answer goes at once and the connection is half-closed; what the client sends meanwhile is read and
  // dropped (closing with it unread would reset the connection, and a reset can lose the answer).
  socket.resume();
  socket.end(`${head.join('\r\n')}\r\n\r\n${payload}`);
  setTimeout(() => socket.destroy(), QUIET_MS).unref();
}

/**
 * Answers every call made on an HTTP/2 connection with a gRPC status and message (a trailers-only
 * response, which every gRPC client reads as the call's error), then ends the connection.
 */
export function refuseGrpc(socket: Duplex, code: grpc.status, message: string): void {
  const session = performServerHandshake(socket);
  session.setTimeout(QUIET_MS, () => session.destroy());
  session.on('error', () => session.destroy());
  session.on('stream', (stream) => {
    stream.on('error', () => stream.destroy());
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': grpcMessage(message) }, { endStream: true });
    // GOAWAY: no new calls on this connection; the ones already open get their answer first.
    session.close();
  });
}

/** grpc-message is percent-encoded UTF-8 outside printable ASCII, '%' included (gRPC over HTTP/2). */
function grpcMessage(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}
