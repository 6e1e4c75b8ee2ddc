import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer } from 'node:tls';

export interface TlsFront {
  /** https://127.0.0.1:<port>, answering with the certificate it was given. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * HTTPS in front of a plain-HTTP server (s3rver): TLS is terminated here and the bytes are passed on
 * untouched, so a client speaks real HTTPS to the S3 server behind it.
 */
export async function startTlsFront(target: string, certificate: { certPem: string; keyPem: string }): Promise<TlsFront> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (client) => {
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  // A client refusing the certificate aborts the handshake: that is the expected outcome, not the server's failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
