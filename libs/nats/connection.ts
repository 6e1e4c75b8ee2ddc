import { ErrorCode, NatsError, connect, createInbox, credsAuthenticator, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import type { NatsClientConfig } from './clientConfig.js';
import type { Logger } from '../log/logger.js';

/**
 * NATS would not let this process in: wrong credentials, an expired one, or a TLS setting that does not
 * fit the server. Said without a stack (services/main.ts), naming the settings to check; never the secrets.
 */
export class NatsConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NatsConnectError';
  }
}

export interface ConnectNatsOptions {
  /** Credentials and TLS; none by default (an embedded or loopback nats-server). */
  client?: NatsClientConfig;
  /**
   * Where this process's replies and push deliveries arrive: `<prefix>.<random>`. A deployment gives each
   * service's NATS user subscribe permission on its own prefix only, so no service can read another's replies.
   */
  inboxPrefix?: string;
}

/** Which settings to check when the server refuses this process: the ones it authenticated with. */
const AUTH_SETTINGS: Record<NatsClientConfig['auth']['kind'], string> = {
  none: 'no NATS credentials are configured: set ferry.nats.user and ferry.nats.password (NATS_USER, NATS_PASSWORD), ferry.nats.token (NATS_TOKEN), ferry.nats.nkey_seed_file (NATS_NKEY) or ferry.nats.creds_file (NATS_CREDS)',
  user: 'check ferry.nats.user and ferry.nats.password (NATS_USER, NATS_PASSWORD)',
  token: 'check ferry.nats.token (NATS_TOKEN)',
  nkey: 'check ferry.nats.nkey_seed_file (NATS_NKEY): the server must list its public key',
  creds: 'check ferry.nats.creds_file (NATS_CREDS): its JWT must be valid for the server\'s operator',
};

/** nats.js's connection options for these settings: the secrets go into the options only, never into a log line. */
export function natsConnectionOptions(servers: string, name: string, { client, inboxPrefix }: ConnectNatsOptions = {}): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: servers.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // Otherwise every request (each copier pull, each durable publish) builds an Error for its stack trace.
    noAsyncTraces: true,
    ...(inboxPrefix ? { inboxPrefix } : {}),
  };
  const auth = client?.auth ?? { kind: 'none' };
  switch (auth.kind) {
    case 'none':
      break;
    case 'user':
      options.user = auth.user;
      options.pass = auth.password;
      break;
    case 'token':
      options.token = auth.token;
      break;
    case 'nkey':
      options.authenticator = nkeyAuthenticator(auth.seed);
      break;
    case 'creds':
      options.authenticator = credsAuthenticator(auth.creds);
      break;
  }
  // Any TLS setting makes TLS required: a server without it is refused rather than talked to in clear.
  if (client?.tls) options.tls = { ...client.tls };
  return options;
}

/** The inbox prefix each connection made by connectNats was given (nats.js keeps its own copy private). */
const inboxPrefixes = new WeakMap<NatsConnection, string>();

/**
 * A new inbox subject under the connection's inbox prefix, for replies read by hand: a subscription
 * outside the prefix would be refused by a deployment that gives each service its own reply subjects.
 */
export function newInbox(nc: NatsConnection): string {
  return createInbox(inboxPrefixes.get(nc));
}

const FIRST_CONNECT_RETRY_MS = 500;
const FIRST_CONNECT_WARN_EVERY_MS = 10_000;

/**
 * Connects with unlimited reconnects: a broker not up yet, restarting or electing a leader is waited out,
 * never fatal. A server that refuses the credentials, or whose certificate the configured CA does not
 * accept, or that offers no TLS when TLS is configured, fails the start at once with a NatsConnectError
 * saying which settings to check; anything else is retried, said in a warning every 10 s.
 */
export async function connectNats(servers: string, name: string, log: Logger, options: ConnectNatsOptions = {}): Promise<NatsConnection> {
  let nc: NatsConnection | undefined;
  let warned = 0;
  while (!nc) {
    try {
      nc = await connect(natsConnectionOptions(servers, name, options));
    } catch (err) {
      const failure = connectFailure(err, servers, options.client);
      if (failure instanceof NatsConnectError) throw failure;
      if (Date.now() - warned >= FIRST_CONNECT_WARN_EVERY_MS) {
        warned = Date.now();
        const hint = options.client?.tls && !options.client.tls.certFile ? ' (a server that requires client certificates times out: set NATS_CERT and NATS_KEY)' : '';
        log.warn({ nats: servers, err: String(err) }, `cannot connect to NATS yet; retrying${hint}`);
      }
      await new Promise((resolve) => setTimeout(resolve, FIRST_CONNECT_RETRY_MS));
    }
  }
  if (options.inboxPrefix) inboxPrefixes.set(nc, options.inboxPrefix);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') log.info({ nats: status.type, server: status.data }, 'nats connection');
      // A refused publish or subscription: the server drops it, and the request behind it times out. Said here, so an operator sees which permission is missing.
      else if (status.type === 'error') log.warn({ nats: 'error', code: status.data, permission: status.permissionContext }, 'nats refused an operation');
    }
  })();
  return nc;
}

/** Node's codes for a server certificate it would not accept (the CA, the name, the dates). */
const CERTIFICATE_REFUSED = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ERR_TLS_CERT|HOSTNAME/;

function connectFailure(err: unknown, servers: string, client: NatsClientConfig | undefined): unknown {
  const nodeCode = (err as { code?: unknown } | undefined)?.code;
  if (!(err instanceof NatsError) && typeof nodeCode === 'string' && CERTIFICATE_REFUSED.test(nodeCode)) {
    const ca = client?.tls?.caFile ? `the CA in ferry.nats.tls.ca_file (NATS_CA) does not vouch for it` : `no CA is configured: set ferry.nats.tls.ca_file (NATS_CA) to the CA that signed it`;
    return new NatsConnectError(`NATS at ${servers}: its TLS certificate was not accepted (${nodeCode}: ${(err as Error).message}): ${ca}`);
  }
  if (!(err instanceof NatsError)) return err;
  const auth = client?.auth ?? { kind: 'none' };
  const who = auth.kind === 'user' ? ` as user ${JSON.stringify(auth.user)}` : auth.kind === 'none' ? '' : ` with the ${auth.kind === 'nkey' ? 'NKey seed' : auth.kind} configured`;
  switch (err.code) {
    case ErrorCode.AuthorizationViolation:
    case ErrorCode.AuthenticationExpired:
    case ErrorCode.AccountExpired:
    case ErrorCode.AuthenticationTimeout:
      return new NatsConnectError(`NATS at ${servers} refused to let this process in${who} (${err.message}): ${AUTH_SETTINGS[auth.kind]}`);
    case ErrorCode.ServerOptionNotAvailable:
      return new NatsConnectError(`NATS at ${servers} does not offer TLS, which ferry.nats.tls.* (NATS_CA, NATS_CERT, NATS_KEY) requires: enable TLS on the server or remove those settings`);
    default:
      return err;
  }
}
