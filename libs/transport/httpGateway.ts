import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log/logger.js';
import { splitHostPort } from '../net/hostPort.js';
import type { ApiCertificates } from './apiCertificates.js';
import { discardBody, readJsonBody } from './httpBody.js';
import { answerClientErrorsAsJson } from './httpClientErrors.js';
import { errorBody, HttpError, writeHttpError, writeJson } from './httpErrors.js';
import { loadFerryProto, type FerryProto, type MethodRoute } from './loadProto.js';
import { buildRequestMessage, checkRouteFields, isInvalidArgument } from './requestMessage.js';
import { matchRoute, sortRoutes } from './routeTable.js';
import { responseJson } from './messageValues.js';
import { httpStatusFor, readErrorDetails, RETRY_AFTER_KEY } from './statusMapping.js';
import type { UnaryInProcess } from './grpcServer.js';
import { FORWARDED_FOR_HEADER, GATEWAY_KEY_HEADER } from './clientAddress.js';
import { clientCertificateProblem, divertPlainText, plainTextMessage, refuseHttp1 } from './tlsPort.js';

export type ExtraRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpGatewayOptions {
  address: string;
  /** Where the gateway calls the gRPC server: its RunningGrpcServer.localTarget. */
  grpcTarget: string;
  /** The gRPC server's in-process unary calls (RunningGrpcServer.callUnary); without it every call goes over grpcTarget. */
  callUnary?: UnaryInProcess;
  /** Serve HTTPS with these certificates, renewals included; with a client CA, every request needs a client certificate it signed. */
  tls?: ApiCertificates;
  log: Logger;
  /** Unauthenticated GET routes by exact path: /healthz, /readyz, /metrics. */
  routes?: Record<string, ExtraRoute>;
  /** Unauthenticated GET and HEAD routes by path prefix (the web console's files under /console/); the route answers 404 itself. */
  prefixRoutes?: Record<string, ExtraRoute>;
  proto?: FerryProto;
  /** The key the gRPC server believes forwarded client addresses from (see clientAddress.ts). */
  gatewayKey?: string;
  /** A request whose head is not complete this long after the connection opened (or the last request ended) gets 408 and is closed. */
  headersTimeoutMs?: number;
  /** The same for a whole request, head and body. */
  requestTimeoutMs?: number;
}

const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;

export interface RunningHttpGateway {
  port: number;
  stop(): Promise<void>;
}

/**
 * grpc-gateway style REST shim: routes come from the proto's google.api.http
 * annotations, and every call is answered by the gRPC server's own call path, so
 * auth and error mapping happen exactly once, there: unary calls in process when
 * `callUnary` is given (as grpc-gateway's Register…HandlerServer), streams (and
 * every call without it) over a real client connection.
 */
export async function startHttpGateway(opts: HttpGatewayOptions): Promise<RunningHttpGateway> {
  const proto = opts.proto ?? loadFerryProto();
  const routes = sortRoutes(proto.methods);
  for (const route of routes) checkRouteFields(proto.schema, route);
  const client = new grpc.Client(opts.grpcTarget, grpc.credentials.createInsecure());
  const extra = new Map(Object.entries(opts.routes ?? {}));
  const prefixed = Object.entries(opts.prefixRoutes ?? {});

  const headersTimeout = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node checks both timeouts on this interval, so it bounds how late a timeout is noticed.
  const timing = { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1_000, headersTimeout / 2) };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    res.on('finish', () =>
      opts.log.debug({ method: req.method, path: req.url, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'http request'),
    );
    handle(req, res).catch((err: unknown) => {
      if (!(err instanceof HttpError) && !isInvalidArgument(err)) {
        opts.log.error({ err, method: req.method, path: req.url }, 'http request failed');
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const close: Record<string, string> = req.complete || discardBody(req) ? {} : { connection: 'close' };
      writeHttpError(res, asHttpError(err), close);
    });
  };
  const { server, dropConnections } = opts.tls ? httpsServer(opts.tls, timing, onRequest, opts.log) : { server: http.createServer(timing, onRequest), dropConnections: () => undefined };
  answerClientErrorsAsJson(server);
  const requireClientCertificate = opts.tls?.requireClientCertificate ?? false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (requireClientCertificate) {
      // Every route, /healthz and /metrics included: with mutual TLS nothing answers a client without a certificate.
      const problem = clientCertificateProblem(req.socket as TLSSocket, 'rest');
      if (problem !== undefined) {
        opts.log.info({ remote: req.socket.remoteAddress, reason: problem }, 'REST request refused: client certificate');
        throw new HttpError(grpc.status.UNAUTHENTICATED, problem, [], 401, { connection: 'close' });
      }
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    refuseTokenInQuery(query);

    const extraRoute = extra.get(rawPath);
    if (extraRoute) {
      if (req.method !== 'GET') throw methodNotAllowed(req.method, ['GET']);
      await extraRoute(req, res);
      return;
    }
    const prefixRoute = prefixed.find(([prefix]) => rawPath.startsWith(prefix))?.[1];
    if (prefixRoute) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method, ['GET', 'HEAD']);
      await prefixRoute(req, res);
      return;
    }

    const found = matchRoute(routes, req.method ?? '', rawPath);
    if (found.kind === 'none') throw new HttpError(grpc.status.NOT_FOUND, `no route for ${rawPath}`);
    if (found.kind === 'method') throw methodNotAllowed(req.method, found.allowed);
    if (!found.match.ok) throw new HttpError(grpc.status.INVALID_ARGUMENT, `${found.match.field}: ${found.match.reason}`, [{ field: found.match.field, reason: found.match.reason }]);

    const route = found.route;
    // Like grpc-gateway, a route without a body mapping ignores whatever body was sent.
    if (!route.body) req.resume();
    const body = route.body ? await readJsonBody(req) : undefined;
    const message = buildRequestMessage(proto.schema, route, found.match.params, query, body);
    const metadata = forwardedMetadata(req, opts.gatewayKey);
    if (route.rpc.definition.responseStream) serverStream(route, message, metadata, res);
    else unary(route, message, metadata, res, req.socket.remoteAddress ?? 'unknown');
  }

  function unary(route: MethodRoute, message: object, metadata: grpc.Metadata, res: ServerResponse, peer: string): void {
    const def = route.rpc.definition;
    if (opts.callUnary) {
      opts.callUnary(def.path, message, metadata, peer)
        .then(
          (response) => writeJson(res, 200, responseJson(proto.schema, route.rpc.responseType, response)),
          (err: grpc.ServiceError) => {
            if (!res.destroyed) writeGrpcError(res, err);
          },
        )
        .catch((err: unknown) => {
          opts.log.error({ err, rpc: route.rpc.name }, 'http answer failed');
          res.destroy();
        });
      return;
    }
    const call = client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, message, metadata, {}, (err, response) => {
      if (err) {
        if (!res.destroyed) writeGrpcError(res, err);
        return;
      }
      writeJson(res, 200, responseJson(proto.schema, route.rpc.responseType, response));
    });
    res.on('close', () => {
      if (!res.writableFinished) call.cancel();
    });
  }

  function serverStream(route: MethodRoute, message: object, metadata: grpc.Metadata, res: ServerResponse): void {
    const def = route.rpc.definition;
    const call = client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, message, metadata, {});
    let done = false;
    // Headers wait for the first message so that refusals (401, 404, ...) keep their HTTP status.
    const startEvents = () => {
      if (res.headersSent) return;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    };
    call.on('data', (msg: unknown) => {
      startEvents();
      const ok = res.write(`data: ${JSON.stringify(responseJson(proto.schema, route.rpc.responseType, msg))}\n\n`);
      if (!ok) {
        call.pause();
        res.once('drain', () => call.resume());
      }
    });
    call.on('end', () => {
      if (done) return;
      done = true;
      startEvents();
      res.end();
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (done) return;
      done = true;
      if (res.destroyed) return;
      if (!res.headersSent) {
        writeGrpcError(res, err);
        return;
      }
      const status = httpStatusFor(err.code);
      res.end(`event: error\ndata: ${JSON.stringify(errorBody(err.code, status, err.details, readErrorDetails(err.metadata)))}\n\n`);
    });
    res.on('close', () => {
      if (!done) {
        done = true;
        call.cancel();
      }
    });
  }

  const { host, port } = splitHostPort(opts.address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const boundPort = (server.address() as { port: number }).port;
  opts.log.info({ port: boundPort, routes: routes.length, tls: opts.tls !== undefined, client_certificates: requireClientCertificate }, 'HTTP gateway listening');

  return {
    port: boundPort,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      dropConnections();
      await closed;
      client.close();
    },
  };
}

/**
 * The REST port with TLS. A client certificate is asked for when there is a client CA, and checked per
 * request rather than by OpenSSL (rejectUnauthorized: false), so that a client without one is told why
 * in a 401 instead of seeing its handshake fail. A plain-text request gets a 400 saying to use https.
 * Renewed certificates are set for new connections.
 */
function httpsServer(certificates: ApiCertificates, timing: http.ServerOptions, onRequest: http.RequestListener, log: Logger): { server: https.Server; dropConnections(): void } {
  const server = https.createServer(
    {
      ...timing,
      ...certificates.secureContext,
      requestCert: certificates.requireClientCertificate,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      handshakeTimeout: timing.headersTimeout,
    },
    onRequest,
  );
  const connections = divertPlainText(server, (socket) => {
    log.debug({ remote: socket.remoteAddress }, 'plain-text request to the HTTPS port refused');
    refuseHttp1(socket, grpc.status.INVALID_ARGUMENT, 400, plainTextMessage('https'));
  });
  server.on('tlsClientError', (err, socket) => log.debug({ err: err.message, remote: socket.remoteAddress }, 'REST TLS handshake failed'));
  const unsubscribe = certificates.onRenewal((context) => server.setSecureContext(context));
  return {
    server,
    dropConnections() {
      unsubscribe();
      connections.destroyAll();
    },
  };
}

function writeGrpcError(res: ServerResponse, err: grpc.ServiceError): void {
  const status = httpStatusFor(err.code);
  const retryAfter = err.metadata?.get(RETRY_AFTER_KEY)[0];
  const headers: Record<string, string> = typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {};
  writeJson(res, status, errorBody(err.code, status, err.details, readErrorDetails(err.metadata)), headers);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function forwardedMetadata(req: IncomingMessage, gatewayKey: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  const address = req.socket.remoteAddress;
  if (gatewayKey !== undefined && address !== undefined) {
    metadata.set(GATEWAY_KEY_HEADER, gatewayKey);
    metadata.set(FORWARDED_FOR_HEADER, address);
  }
  const auth = req.headers.authorization;
  if (auth === undefined) return metadata;
  // gRPC metadata holds printable ASCII only (grpc-js's Metadata.set throws on anything else).
  if (!PRINTABLE_ASCII.test(auth)) throw new HttpError(grpc.status.UNAUTHENTICATED, 'malformed authorization header');
  metadata.set('authorization', auth);
  return metadata;
}

/** Query parameters clients put bearer tokens in (RFC 6750's access_token and its cousins). */
const TOKEN_QUERY_PARAMETERS = ['access_token', 'token', 'bearer_token', 'api_key'];

/**
 * A token in a URL ends up in access logs, proxies and shell history: refused, whether or not it is valid,
 * before anything else is done with the request.
 */
function refuseTokenInQuery(query: URLSearchParams): void {
  const field = TOKEN_QUERY_PARAMETERS.find((p) => query.has(p));
  if (field === undefined) return;
  const reason = 'tokens are accepted only in the Authorization header (Bearer); one sent in a URL may now be in logs, so replace it';
  throw new HttpError(grpc.status.INVALID_ARGUMENT, `${field}: ${reason}`, [{ field, reason }]);
}

function methodNotAllowed(method: string | undefined, allowed: string[]): HttpError {
  const list = allowed.join(', ');
  return new HttpError(grpc.status.UNIMPLEMENTED, `method ${method ?? ''} not allowed; use ${list}`, [], 405, { allow: list });
}

function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (isInvalidArgument(err)) return new HttpError(grpc.status.INVALID_ARGUMENT, err.message, err.details);
  return new HttpError(grpc.status.INTERNAL, 'internal error');
}
