import * as grpc from '@grpc/grpc-js';
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

export interface FerryClient {
  call<T = any>(method: string, request: object): Promise<T>;
  /** A server stream; errors surface as ServerError from the iterator. */
  stream<T = any>(method: string, request: object): AsyncIterable<T> & { cancel(): void };
  close(): void;
}

export function connectFerry({ packageDefinition, serviceName }: FerryProto, server: string, token: string | undefined): FerryClient {
  const Service = serviceName.split('.').reduce<any>((o, part) => o[part], grpc.loadPackageDefinition(packageDefinition));
  const client = new Service(server, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
  const metadata = () => {
    const m = new grpc.Metadata();
    if (token) m.set('authorization', `Bearer ${token}`);
    return m;
  };
  return {
    call: (method, request) =>
      new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + UNARY_DEADLINE_MS);
        client[method](request, metadata(), { deadline }, (err: grpc.ServiceError | null, res: any) =>
          err ? reject(toServerError(err)) : resolve(res),
        );
      }),
    stream(method, request) {
      const call = client[method](request, metadata()) as grpc.ClientReadableStream<any>;
      return {
        cancel: () => call.cancel(),
        async *[Symbol.asyncIterator]() {
          try {
            for await (const message of call) yield message;
          } catch (err) {
            throw toServerError(err);
          }
        },
      };
    },
    close: () => client.close(),
  };
}
