import type { ResponseOf } from '../../libs/api/index.js';
import type { CallContext, ServiceHandlers } from '../../libs/transport/index.js';

/** GetIdentity: who the caller's token says it is, so a client can offer only what the token may do. */
export function identityHandlers(): ServiceHandlers {
  const GetIdentity = (_request: unknown, { actor, role }: CallContext): Promise<ResponseOf<'GetIdentity'>> => Promise.resolve({ name: actor, role });
  return { GetIdentity };
}
