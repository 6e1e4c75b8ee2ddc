import { existsSync, mkdirSync } from 'node:fs';
import { spawnUntilReady, type RunningChild } from './childProcess.js';

export interface NatsServerOptions {
  storeDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Extra arguments, e.g. a cluster config file. */
  args?: string[];
}

export interface RunningNatsServer extends RunningChild {
  url: string;
  port: number;
}

export function natsServerBinary(): string {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (existsSync(candidate)) return candidate;
  }
  return 'nats-server';
}

/** Starts Debian's nats-server with JetStream and resolves once it accepts clients. */
export async function startNatsServer({ storeDir, host = '127.0.0.1', port = 0, args = [] }: NatsServerOptions): Promise<RunningNatsServer> {
  mkdirSync(storeDir, { recursive: true });
  const running = await spawnUntilReady(
    natsServerBinary(),
    ['-a', host, '-p', port === 0 ? '-1' : String(port), '-js', '-sd', storeDir, ...args],
    /Listening for client connections on [^\s]*:(\d+)[\s\S]*Server is ready/,
    { name: 'nats-server' },
  );
  const actualPort = Number(running.match[1]);
  return { ...running, port: actualPort, url: `nats://${host}:${actualPort}` };
}
