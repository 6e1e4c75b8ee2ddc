export type Role = 'admin' | 'read';

export interface TokenConfig {
  token: string;
  role: Role;
}

export interface CallContext {
  role: Role;
}

export type UnaryHandler = (request: any, ctx: CallContext) => Promise<any>;

export type StreamHandler = (
  request: any,
  ctx: CallContext,
  emit: (message: any) => Promise<void> | void,
  signal: AbortSignal,
) => Promise<void>;

/** Keyed by RPC name as in the proto, e.g. 'CreateJob'. */
export type ServiceHandlers = Record<string, UnaryHandler | StreamHandler>;
