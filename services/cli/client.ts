import * as grpc from '@grpc/grpc-js';
import type { AnswerOf, SentOf, StreamingRpc, UnaryRpc } from '../../libs/api/index.js';
import type { FerryProto } from '../../libs/transport/loadProto.js';
import { readErrorDetails, statusName } from '../../libs/transport/statusMapping.js';

const UNARY_DEADLINE_MS = 30_000;

/** A gRPC failure as the CLI reports it: the status name, the server's message and its field details. */
export class ServerError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly details: string[],
  ) {
    super(message);
    this.name = 'ServerError';
  }

  get codeName(): string {
    return statusName(this.code);
  }
}

export function toServerError(err: unknown): ServerError {
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e.code !== 'number') return new ServerError(grpc.status.UNKNOWN, err instanceof Error ? err.message : String(err), []);
  const details = readErrorDetails(e.metadata).map((d) => (d.field ? `${d.field}: ${d.reason}` : d.reason));
  return new ServerError(e.code, e.details || e.message || statusName(e.code), details);
}

/** Calls typed by the proto's messages (libs/api); answers are proto-loader's decoding, which the client does not check further. */
export interface FerryClient {
  /** deadlineMs: how long the call may take (30 s unless given). */
  call<R extends UnaryRpc>(method: R, request: SentOf<R>, options?: { deadlineMs?: number }): Promise<AnswerOf<R>>;
  /** A server stream; errors surface as ServerError from the iterator. */
  stream<R extends StreamingRpc>(method: R, request: SentOf<R>): AsyncIterable<AnswerOf<R>> & { cancel(): void };
  close(): void;
}

type Callback = (err: grpc.ServiceError | null, response: unknown) => void;
type UnaryMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback) => void;
type StreamMethod = (request: unknown, metadata: grpc.Metadata) => grpc.ClientReadableStream<unknown>;
type ServiceConstructor = new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => grpc.Client;

/** The PEM text of the CLI's TLS files (--ca, --cert, --key). */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** The name the server's certificate must hold, when it is not the address's host. */
  serverName?: string;
}

/** `tls` unset: plain text; set: TLS, trusting `ca` (else the system's CAs) and presenting `cert` when given. */
export function connectFerry({ packageDefinition, serviceName }: FerryProto, server: string, token: string | undefined, tls?: ClientTls): FerryClient {
  const Service = serviceName.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown>)[part], grpc.loadPackageDefinition(packageDefinition)) as ServiceConstructor;
  const credentials = tls ? grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null) : grpc.credentials.createInsecure();
  const client = new Service(server, credentials, tls?.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {});
  // proto-loader's client has one method per RPC, named as in the proto.
  const method = <M extends (...args: never[]) => unknown>(name: string): M => (client as unknown as Record<string, M>)[name]!.bind(client) as M;
  const metadata = () => {
    const m = new grpc.Metadata();
    if (token) m.set('authorization', `Bearer ${token}`);
    return m;
  };
  return {
    call: <R extends UnaryRpc>(name: R, request: SentOf<R>, options: { deadlineMs?: number } = {}) =>
      new Promise<AnswerOf<R>>((resolve, reject) => {
        const deadline = new Date(Date.now() + (options.deadlineMs ?? UNARY_DEADLINE_MS));
        method<UnaryMethod>(name)(request, metadata(), { deadline }, (err, res) => (err ? reject(toServerError(err)) : resolve(res as AnswerOf<R>)));
      }),
    stream<R extends StreamingRpc>(name: R, request: SentOf<R>) {
      const call = method<StreamMethod>(name)(request, metadata());
      return {
        cancel: () => call.cancel(),
        async *[Symbol.asyncIterator]() {
          try {
            for await (const message of call) yield message as AnswerOf<R>;
          } catch (err) {
            throw toServerError(err);
          }
        },
      };
    },
    close: () => client.close(),
  };
}
