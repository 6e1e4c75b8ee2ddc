/**
 * How a service proves who it is to NATS: nothing (loopback, `make run`), a user and password, a token,
 * an NKey seed (the server holds only its public key) or a `.creds` file (a user JWT and its seed, for a
 * server in operator mode). At most one of them.
 */
export type NatsAuth =
  | { kind: 'none' }
  | { kind: 'user'; user: string; password: string }
  | { kind: 'token'; token: string }
  | { kind: 'nkey'; seed: Uint8Array; file: string }
  | { kind: 'creds'; creds: Uint8Array; file: string };

/** TLS to NATS: the CA the server's certificate must chain to, and a client certificate for a server that asks for one. Files are read again at each reconnect. */
export interface NatsTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface NatsClientConfig {
  auth: NatsAuth;
  tls?: NatsTls;
}
