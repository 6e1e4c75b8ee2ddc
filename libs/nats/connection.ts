import { connect, type NatsConnection } from 'nats';
import type { Logger } from '../log/logger.js';

/** Connects with unlimited reconnects: a broker restart or leader election is waited out, never fatal. */
export async function connectNats(servers: string, name: string, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: servers.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // Otherwise every request (each copier pull, each durable publish) builds an Error for its stack trace.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') log.info({ nats: status.type, server: status.data }, 'nats connection');
    }
  })();
  return nc;
}
