import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { natsServerBinary, spawnUntilReady, type RunningChild } from '../../libs/embedded/index.js';

export const DEPLOY_NATS = fileURLToPath(new URL('../../../deploy/nats/', import.meta.url));
export const FERRY_SERVICES = ['control', 'projector', 'lister', 'copier', 'notifier'] as const;
export type FerryService = (typeof FERRY_SERVICES)[number];

export interface SecuredNats extends RunningChild {
  url: string;
  port: number;
  /** Each service's password, random per server. */
  passwords: Record<FerryService, string>;
  /** Everything the server logged so far (its permission violations among it). */
  log(): string;
  /** NATS_USER and NATS_PASSWORD of the service's user. */
  userEnv(service: FerryService): Record<string, string>;
}

export interface SecuredNatsTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Clients must present a certificate signed by caFile. */
  verify: boolean;
}

/**
 * Debian's nats-server from the shipped deploy/nats/ferry-nats.conf and ferry-accounts.conf, as they are
 * but for the store directory (under `dir`), the monitoring port (none) and, when asked, a `tls` block; on
 * a free loopback port, with a random password per service in its environment.
 */
export async function startSecuredNats(dir: string, { tls }: { tls?: SecuredNatsTls } = {}): Promise<SecuredNats> {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(DEPLOY_NATS, 'ferry-accounts.conf'), join(dir, 'ferry-accounts.conf'));
  const shipped = readFileSync(join(DEPLOY_NATS, 'ferry-nats.conf'), 'utf8');
  let conf = shipped.replace(/store_dir: "[^"]*"/, `store_dir: ${JSON.stringify(join(dir, 'store'))}`).replace(/^http: .*$/m, '');
  if (conf === shipped) throw new Error('deploy/nats/ferry-nats.conf no longer has the store_dir this harness replaces');
  if (tls) {
    conf += `\ntls {\n  cert_file: ${JSON.stringify(tls.certFile)}\n  key_file: ${JSON.stringify(tls.keyFile)}\n  ca_file: ${JSON.stringify(tls.caFile)}\n  verify: ${tls.verify}\n  timeout: 5\n}\n`;
  }
  writeFileSync(join(dir, 'ferry-nats.conf'), conf);
  // nats-server reads a $VARIABLE's value as configuration text: a letter first and letters and digits after keep it a string (deploy/README.md).
  const passwords = Object.fromEntries(FERRY_SERVICES.map((s) => [s, `p${randomBytes(18).toString('hex')}`])) as Record<FerryService, string>;
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const s of FERRY_SERVICES) env[`FERRY_NATS_${s.toUpperCase()}_PASSWORD`] = passwords[s];
  const running = await spawnUntilReady(natsServerBinary(), ['-c', 'ferry-nats.conf', '-a', '127.0.0.1', '-p', '-1'], /Listening for client connections on [^\s]*:(\d+)[\s\S]*Server is ready/, {
    name: 'nats-server (ferry-nats.conf)',
    cwd: dir,
    env,
  });
  let text = '';
  running.child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  running.child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const port = Number(running.match[1]);
  return {
    ...running,
    port,
    url: `nats://127.0.0.1:${port}`,
    passwords,
    log: () => text,
    userEnv: (service) => ({ NATS_USER: `ferry-${service}`, NATS_PASSWORD: passwords[service] }),
  };
}
