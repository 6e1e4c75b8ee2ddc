import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { startNatsServer, type RunningNatsServer } from '../../libs/embedded/index.js';
import { ensureTopology } from '../../libs/nats/index.js';
import { makeTempDir } from './tempDir.js';

export interface JetStreamEnv {
  /** A temp dir of the test's own, removed on stop: the server's store is `storeDir` in it, and a test may keep more there. */
  dir: string;
  storeDir: string;
  nats: RunningNatsServer;
  /** A connection to the server, closed on stop. */
  nc: NatsConnection;
  stop(): Promise<void>;
}

/**
 * A real nats-server on a free loopback port with its store in a temp dir, and a connection to it; with
 * Ferry's streams and KV buckets (one replica) unless `topology` is false.
 */
export async function startJetStream(name: string, { topology = true }: { topology?: boolean } = {}): Promise<JetStreamEnv> {
  const tmp = makeTempDir(name);
  const storeDir = join(tmp.path, 'nats');
  const nats = await startNatsServer({ storeDir });
  const nc = await connect({ servers: nats.url });
  if (topology) await ensureTopology(nc, { replicas: 1 });
  return {
    dir: tmp.path,
    storeDir,
    nats,
    nc,
    async stop() {
      await nc.close();
      await nats.stop();
      tmp.remove();
    },
  };
}
