import { join } from 'node:path';
import { startNatsServer, type RunningNatsServer } from '../../libs/embedded/index.js';
import { freePort } from './freePort.js';
import { waitFor } from './waitFor.js';

export interface NatsCluster {
  nodes: RunningNatsServer[];
  /** Every node's client URL, comma-separated, as NATS_URL takes them. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A JetStream cluster of `size` nats-servers on loopback, each with its own store under `dir`; resolves
 * once every node reports itself healthy (JetStream up and in contact with a meta leader), so streams
 * with replicas can be created at once.
 */
export async function startNatsCluster(dir: string, size = 3): Promise<NatsCluster> {
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const monitorPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = clusterPorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
  const nodes = await Promise.all(
    clusterPorts.map((clusterPort, i) =>
      startNatsServer({
        storeDir: join(dir, `nats-${i + 1}`),
        args: ['-n', `n${i + 1}`, '--cluster_name', 'ferry', '--cluster', `nats://127.0.0.1:${clusterPort}`, '--routes', routes, '-m', String(monitorPorts[i])],
      }),
    ),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (const port of monitorPorts) {
      await waitFor(`nats node on monitor port ${port} healthy`, async () => ((await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) })).ok ? true : undefined), 60_000, 200);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, url: nodes.map((node) => node.url).join(','), stop };
}
