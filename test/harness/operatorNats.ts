import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsServerBinary, spawnUntilReady, type RunningChild } from '../../libs/embedded/index.js';
import type { OperatorSetup } from './natsJwt.js';

export interface OperatorModeNats extends RunningChild {
  url: string;
  /** Everything the server logged so far (its authorization errors among it). */
  log(): string;
}

/**
 * Debian's nats-server in operator mode: the operator's JWT, its system account, and both accounts' JWTs
 * preloaded into a memory resolver (no account server), JetStream storing under `dir`; on a free loopback port.
 * Started with the config file alone: startNatsServer's `-sd` would clash with the file's `store_dir`.
 */
export async function startOperatorModeNats(dir: string, setup: OperatorSetup): Promise<OperatorModeNats> {
  mkdirSync(dir, { recursive: true });
  const conf = [
    `operator: ${setup.operatorJwt}`,
    `system_account: ${setup.system.publicKey}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    `  ${setup.system.publicKey}: ${setup.system.jwt}`,
    `  ${setup.account.publicKey}: ${setup.account.jwt}`,
    '}',
    `jetstream: { store_dir: ${JSON.stringify(join(dir, 'store'))} }`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'operator.conf'), conf);
  const running = await spawnUntilReady(natsServerBinary(), ['-c', 'operator.conf', '-a', '127.0.0.1', '-p', '-1'], /Listening for client connections on [^\s]*:(\d+)[\s\S]*Server is ready/, {
    name: 'nats-server (operator mode)',
    cwd: dir,
    env: { PATH: process.env.PATH ?? '' },
  });
  let text = '';
  running.child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  running.child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { ...running, url: `nats://127.0.0.1:${Number(running.match[1])}`, log: () => text };
}
