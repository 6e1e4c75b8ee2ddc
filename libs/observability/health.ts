import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { NatsConnection } from 'nats';
import { register } from 'prom-client';
import { topologyPresent } from '../nats/topology.js';
import { splitHostPort } from '../net/hostPort.js';
import type { Logger } from '../log/logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** /healthz (the process is alive), /readyz (NATS reachable and streams present) and /metrics, without auth. */
export function operationalRoutes(nc: () => NatsConnection | undefined, log: Logger): Record<string, RouteHandler> {
  return {
    '/healthz': (_req, res) => json(res, 200, { status: 'ok' }),
    '/readyz': async (_req, res) => {
      const conn = nc();
      let ready = false;
      if (conn && !conn.isClosed()) {
        ready = await Promise.race([
          // Not able to ask is not ready; the reason is logged, the probe's answer stays 503.
          topologyPresent(conn).catch((err: unknown) => {
            log.warn({ err: String(err) }, 'readiness check could not reach JetStream');
            return false;
          }),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
        ]);
      }
      json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    },
    '/metrics': async (_req, res) => {
      res.writeHead(200, { 'content-type': register.contentType });
      res.end(await register.metrics());
    },
  };
}

/** A bare HTTP server with only the operational routes, for processes that do not serve the API. */
export async function startOperationalServer(address: string, routes: Record<string, RouteHandler>, log: Logger): Promise<{ port: number; stop(): Promise<void> }> {
  const { host, port } = splitHostPort(address);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path];
    if (!route || req.method !== 'GET') return json(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
    // Through then(), so a route that throws at once is answered like one whose promise rejects.
    Promise.resolve().then(() => route(req, res)).catch((err: unknown) => {
      log.error({ err, path }, 'operational route failed');
      json(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
    });
  });
  // A port taken by another process fails the start naming the address, not as an unhandled 'error' event.
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot serve metrics on ${address}: ${err.message}`, { cause: err })));
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
