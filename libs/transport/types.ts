export type Role = 'admin' | 'read';

export interface TokenConfig {
  token: string;
  role: Role;
}

export interface CallContext {
  role: Role;
}

/**
 * A request is its proto message decoded and checked against the message's schema (messageSchema.ts), so
 * each handler declares the fields it reads as its own request type: `never` here accepts any of them.
 */
export type UnaryHandler = (request: never, ctx: CallContext) => Promise<unknown>;

export type StreamHandler = (
  request: never,
  ctx: CallContext,
  emit: (message: unknown) => Promise<void> | void,
  signal: AbortSignal,
) => Promise<void>;

/** Keyed by RPC name as in the proto, e.g. 'CreateJob'. */
export type ServiceHandlers = Record<string, UnaryHandler | StreamHandler>;
