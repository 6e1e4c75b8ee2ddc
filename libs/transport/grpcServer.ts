import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { FerryError } from '../domain/errors.js';
import type { Logger } from '../log/logger.js';
import { createAuthorizer, UnknownBearerToken, type Authorizer } from './auth.js';
import { splitHostPort } from '../net/hostPort.js';
import type { ApiCertificates } from './apiCertificates.js';
import { MAX_BODY_BYTES } from './httpBody.js';
import { loadFerryProto, type FerryProto, type RpcInfo } from './loadProto.js';
import { sanitizeMessage } from './messageValues.js';
import { TransportStatusError, toGrpcError } from './statusMapping.js';
import type { CallContext, ServiceHandlers, StreamHandler, TokenConfig, UnaryHandler } from './types.js';
import { clientAddress } from './clientAddress.js';
import { FailedAuthLimiter, TooManyFailedAuthentications } from './failedAuthLimiter.js';
import { clientCertificateProblem, divertPlainText, isHttp2Preface, plainTextMessage, refuseGrpc, refuseHttp1 } from './tlsPort.js';

export interface GrpcServerOptions {
  address: string;
  handlers: ServiceHandlers;
  tokens: TokenConfig[];
  log: Logger;
  proto?: FerryProto;
  /** The key the in-process REST gateway proves itself with, so the HTTP client's address it forwards is believed. */
  gatewayKey?: string;
  /** Serve `address` over TLS with these certificates, renewals included (mutual TLS when they have a client CA). */
  tls?: ApiCertificates;
}

export interface RunningGrpcServer {
  port: number;
  /**
   * Where a client in this process (the REST gateway) reaches the server: `address` itself in plain
   * text; with TLS, a unix socket in a directory only this user can enter, so the gateway needs neither
   * a client certificate nor to trust the served one, and no plain-text port is opened.
   */
  localTarget: string;
  /** Unary calls from this process's REST gateway, without a connection (see UnaryInProcess). */
  callUnary: UnaryInProcess;
  stop(): Promise<void>;
}

/**
 * A unary call made in this process (the REST gateway's), as grpc-gateway's in-process registration makes
 * it: the server's own authentication, decoding, handler and error statuses, without grpc-js's client,
 * HTTP/2 framing and loopback round trip (most of a REST GET's CPU: README, "Benchmarks"). The request and
 * the response pass through the proto's serializers, so each is the message a call over the wire would carry.
 * `peer` is the caller's address, as a connection's peer would be. Resolves with the response message;
 * rejects with the grpc.ServiceError a client over the wire would have got.
 */
export type UnaryInProcess = (path: string, request: object, metadata: grpc.Metadata, peer: string) => Promise<unknown>;

const SHUTDOWN_GRACE_MS = 5_000;
/** A TLS handshake not done this long after the connection opened is abandoned (Node's default is 120 s). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Serves the Ferry service with auth, plus grpc.health.v1 and reflection (both tokenless). */
export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const proto = opts.proto ?? loadFerryProto();
  const authorize = createAuthorizer(opts.tokens);
  const limiter = new FailedAuthLimiter();
  const streams = new Set<AbortController>();
  // The REST body limit holds for gRPC requests too; grpc-js refuses a larger message with RESOURCE_EXHAUSTED.
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_BODY_BYTES });

  const implementation: grpc.UntypedServiceImplementation = {};
  const unaryByPath = new Map<string, RpcContext>();
  for (const rpc of proto.rpcs) {
    const context: RpcContext = { rpc, proto, authorize, limiter, gatewayKey: opts.gatewayKey, log: opts.log, handler: opts.handlers[rpc.name] };
    if (rpc.definition.requestStream) implementation[rpc.name] = unsupportedStreaming(rpc);
    else if (rpc.definition.responseStream) implementation[rpc.name] = serverStreaming(context, streams);
    else {
      implementation[rpc.name] = unary(context);
      unaryByPath.set(rpc.definition.path, context);
    }
  }
  server.addService(withUndecodableAsValue(proto.service), implementation);

  const health = new HealthImplementation({ '': 'SERVING', [proto.serviceName]: 'SERVING' });
  health.addToServer(server);
  new ReflectionService(proto.packageDefinition).addToServer(server);

  const bind = (address: string) =>
    new Promise<number>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  let port: number;
  let localTarget: string;
  let tlsPort: TlsPort | undefined;
  if (opts.tls) {
    tlsPort = await listenTls(server, opts.address, opts.tls, opts.log);
    port = tlsPort.port;
    localTarget = `unix:${join(tlsPort.socketDir, 'grpc.sock')}`;
    try {
      await bind(localTarget);
    } catch (err) {
      tlsPort.stopAccepting();
      tlsPort.dropRest();
      throw err;
    }
  } else {
    port = await bind(opts.address);
    const { host } = splitHostPort(opts.address);
    localTarget = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  opts.log.info({ port, tls: opts.tls !== undefined, client_certificates: opts.tls?.requireClientCertificate ?? false }, 'gRPC server listening');

  return {
    port,
    localTarget,
    callUnary: (path, request, metadata, peer) => {
      const context = unaryByPath.get(path);
      if (!context) return Promise.reject(new Error(`${path} is no unary method of ${proto.serviceName}`));
      return callInProcess(context, request, metadata, peer);
    },
    async stop() {
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(proto.serviceName, 'NOT_SERVING');
      for (const s of streams) s.abort();
      tlsPort?.stopAccepting();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      tlsPort?.dropRest();
    },
  };
}

interface TlsPort {
  port: number;
  /** A directory of this process's own (mode 0700) for the gateway's unix socket. */
  socketDir: string;
  /** Stops accepting connections and handing any more to grpc-js; those it has close with its shutdown. */
  stopAccepting(): void;
  /** After grpc-js's shutdown: ends the connections it never had (refused, or still in their handshake), removes the socket's directory. */
  dropRest(): void;
}

/**
 * The gRPC port with TLS: Node's TLS server takes the handshake and hands each secured connection to
 * grpc-js (a connection injector: the HTTP/2 and gRPC layers are grpc-js's, the TLS is ours). Doing the
 * TLS here is what lets a refused client be told why, as a gRPC status its call fails with: a plain-text
 * connection (UNAVAILABLE), and with mutual TLS a missing or untrusted client certificate
 * (UNAUTHENTICATED). The client certificate is asked for but checked here rather than by OpenSSL
 * (rejectUnauthorized: false), so that the refusal can be an answer rather than a reset; a refused
 * connection reaches no gRPC handler, health and reflection included.
 */
async function listenTls(server: grpc.Server, address: string, certificates: ApiCertificates, log: Logger): Promise<TlsPort> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const requireClientCertificate = certificates.requireClientCertificate;
  const tlsServer: TlsServer = createTlsServer({
    ...certificates.secureContext,
    requestCert: requireClientCertificate,
    rejectUnauthorized: false,
    ALPNProtocols: ['h2'],
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  const connections = divertPlainText(tlsServer, (socket, first) => {
    log.debug({ remote: socket.remoteAddress }, 'plain-text connection to the gRPC TLS port refused');
    if (isHttp2Preface(first)) refuseGrpc(socket, grpc.status.UNAVAILABLE, plainTextMessage('grpcs'));
    else refuseHttp1(socket, grpc.status.INVALID_ARGUMENT, 400, plainTextMessage('grpcs'));
  });
  let closed = false;
  tlsServer.on('secureConnection', (socket) => {
    if (closed) {
      socket.destroy();
      return;
    }
    const problem = requireClientCertificate ? clientCertificateProblem(socket, 'grpc') : undefined;
    if (problem === undefined) {
      injector.injectConnection(socket);
      return;
    }
    log.info({ remote: socket.remoteAddress, reason: problem }, 'gRPC connection refused: client certificate');
    refuseGrpc(socket, grpc.status.UNAUTHENTICATED, problem);
  });
  // A client that does not trust the served certificate ends the handshake: the client's failure, told to it by its TLS stack.
  tlsServer.on('tlsClientError', (err, socket) => log.debug({ err: err.message, remote: socket.remoteAddress }, 'gRPC TLS handshake failed'));
  const unsubscribe = certificates.onRenewal((context) => tlsServer.setSecureContext(context));

  const { host, port } = splitHostPort(address);
  try {
    await new Promise<void>((resolve, reject) => {
      tlsServer.once('error', reject);
      tlsServer.listen(port, host, () => {
        tlsServer.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    unsubscribe();
    throw err;
  }
  const socketDir = mkdtempSync(join(tmpdir(), 'ferry-grpc-'));
  return {
    port: (tlsServer.address() as { port: number }).port,
    socketDir,
    stopAccepting() {
      closed = true;
      unsubscribe();
      tlsServer.close();
    },
    dropRest() {
      connections.destroyAll();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

interface RpcContext {
  rpc: RpcInfo;
  proto: FerryProto;
  authorize: Authorizer;
  limiter: FailedAuthLimiter;
  gatewayKey: string | undefined;
  log: Logger;
  handler: UnaryHandler | StreamHandler | undefined;
}

const UNDECODABLE = Symbol('undecodable request');
type Undecodable = { [UNDECODABLE]: string };

/**
 * grpc-js answers a request its deserializer throws on with INTERNAL, which reads as a server fault;
 * these bytes are the client's fault. Decoding failures become a value the handlers refuse with
 * INVALID_ARGUMENT, after authentication like any other refusal.
 */
function withUndecodableAsValue(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([name, def]) => [
      name,
      {
        ...def,
        requestDeserialize: (bytes: Buffer): unknown => undecodableAsValue(def.requestDeserialize, bytes),
      },
    ]),
  );
}

function undecodableAsValue(deserialize: (bytes: Buffer) => unknown, bytes: Buffer): unknown {
  try {
    return deserialize(bytes);
  } catch (err) {
    return { [UNDECODABLE]: err instanceof Error ? err.message : String(err) } satisfies Undecodable;
  }
}

function decodedRequest(c: RpcContext, raw: unknown): Record<string, unknown> {
  if (typeof raw === 'object' && raw !== null && UNDECODABLE in raw) {
    throw new FerryError('INVALID_ARGUMENT', `request is not a valid ${c.rpc.requestType} message: ${(raw as Undecodable)[UNDECODABLE]}`);
  }
  return sanitizeMessage(c.proto.schema, c.rpc.requestType, raw);
}

/**
 * The caller's role and name from its bearer token. An address that keeps presenting unknown tokens
 * (not a missing one: that guesses nothing) is slowed (FailedAuthLimiter): refused before its token is looked at, until its allowance refills.
 */
function authenticate(c: RpcContext, call: { metadata: grpc.Metadata; getPeer(): string }): CallContext {
  const address = clientAddress(call, c.gatewayKey);
  const now = Date.now();
  const wait = c.limiter.retryAfterSeconds(address, now);
  if (wait !== undefined) throw new TooManyFailedAuthentications(wait);
  try {
    return c.authorize(call.metadata, c.rpc.name);
  } catch (err) {
    if (err instanceof UnknownBearerToken && c.limiter.failed(address, now)) {
      c.log.warn({ address, rpc: c.rpc.name }, 'repeated failed authentications: this address is slowed');
    }
    throw err;
  }
}

function unary(c: RpcContext): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    answerUnary(c, call).then(
      (response) => callback(null, response),
      (err: unknown) => callback(reportError(c, err)),
    );
  };
}

async function answerUnary(c: RpcContext, call: { metadata: grpc.Metadata; getPeer(): string; request: unknown }): Promise<unknown> {
  const ctx = authenticate(c, call);
  if (!c.handler) throw unimplemented(c.rpc);
  const request = decodedRequest(c, call.request);
  return (c.handler as UnaryHandler)(request as never, ctx);
}

async function callInProcess(c: RpcContext, message: object, metadata: grpc.Metadata, peer: string): Promise<unknown> {
  const def = c.rpc.definition;
  let bytes: Buffer;
  try {
    bytes = def.requestSerialize(message);
  } catch {
    // What grpc-js's client answers when it cannot serialize a request.
    throw asServiceError({ code: grpc.status.INTERNAL, details: 'Request message serialization failure', metadata: new grpc.Metadata() });
  }
  if (bytes.length > MAX_BODY_BYTES) {
    throw asServiceError({ code: grpc.status.RESOURCE_EXHAUSTED, details: `Received message larger than max (${bytes.length} vs. ${MAX_BODY_BYTES})`, metadata: new grpc.Metadata() });
  }
  const call = { metadata, getPeer: () => peer, request: undecodableAsValue(def.requestDeserialize, bytes) };
  let response: unknown;
  try {
    response = await answerUnary(c, call);
  } catch (err) {
    throw reportError(c, err);
  }
  try {
    return def.responseDeserialize(def.responseSerialize(response));
  } catch (err) {
    c.log.error({ err, rpc: c.rpc.name }, 'RPC response cannot be serialized');
    throw asServiceError({ code: grpc.status.INTERNAL, details: 'internal error', metadata: new grpc.Metadata() });
  }
}

function serverStreaming(c: RpcContext, open: Set<AbortController>): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    const abort = new AbortController();
    open.add(abort);
    call.on('cancelled', () => abort.abort());
    const emit = async (message: unknown): Promise<void> => {
      if (abort.signal.aborted) return;
      if (!call.write(message)) await once(call, 'drain', { signal: abort.signal }).catch(ignoreAbort);
    };
    void (async () => {
      const ctx = authenticate(c, call);
      if (!c.handler) throw unimplemented(c.rpc);
      const request = decodedRequest(c, call.request);
      await (c.handler as StreamHandler)(request as never, ctx, emit, abort.signal);
    })().then(
      () => call.end(),
      (err: unknown) => {
        if (!call.cancelled) call.emit('error', reportError(c, err));
      },
    ).finally(() => open.delete(abort));
  };
}

// Client and bidirectional streaming have no handler shape here; refuse them.
function unsupportedStreaming(rpc: RpcInfo): grpc.UntypedHandleCall {
  return ((call: grpc.ServerReadableStream<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
    const status = toGrpcError(unimplemented(rpc));
    if (typeof callback === 'function') callback(status);
    else call.emit('error', status);
  }) as grpc.UntypedHandleCall;
}

function unimplemented(rpc: RpcInfo): TransportStatusError {
  return new TransportStatusError(grpc.status.UNIMPLEMENTED, `${rpc.name} is not implemented`);
}

function reportError(c: RpcContext, err: unknown): grpc.ServiceError {
  const status = toGrpcError(err);
  if (status.code === grpc.status.INTERNAL) c.log.error({ err, rpc: c.rpc.name }, 'RPC failed');
  else c.log.debug({ rpc: c.rpc.name, code: status.code, message: status.details }, 'RPC refused');
  return asServiceError(status);
}

function asServiceError(status: { code: grpc.status; details: string; metadata: grpc.Metadata }): grpc.ServiceError {
  return Object.assign(new Error(status.details), status);
}

/** A wait given up because the call ended (its signal aborted): the stream is over, nothing to report. */
function ignoreAbort(err: unknown): void {
  if (err instanceof Error && err.name === 'AbortError') return;
  throw err;
}
