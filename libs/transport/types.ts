export type Role = 'admin' | 'read';

/**
 * An API token as configured (ferry.auth.tokens): `name` is what the job history records as the actor.
 * Exactly one of `token` and `token_sha256` (its SHA-256 in hex, so the configuration need not hold it).
 */
export interface TokenConfig {
  name: string;
  role: Role;
  token?: string;
  token_sha256?: string;
}

export interface CallContext {
  role: Role;
  /** The name of the token the call presented. */
  actor: string;
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
