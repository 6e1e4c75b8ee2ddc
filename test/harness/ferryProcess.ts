import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../libs/embedded/index.js';
import { nodeFlags } from '../../services/nodeFlags.js';

export const MAIN_SCRIPT = fileURLToPath(new URL('../../services/main.js', import.meta.url));
export const TEST_TOKEN = 'test-admin-token-0123456789';
export const TEST_SECRET_KEY = 'a'.repeat(64);

export interface FerryProcess {
  child: ChildProcess;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  output(): string;
  httpPort?: number;
  grpcPort?: number;
  /** The /metrics port of a process other than control (FERRY_METRICS_ADDR, port 0 for any free one). */
  metricsPort?: number;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface FerryEnv {
  natsUrl: string;
  sourceEndpoint: string;
  dataDir: string;
  extraEnv?: Record<string, string>;
  /** Extra command-line arguments, e.g. ['--rebuild']. */
  args?: string[];
}

/**
 * Starts `node <nodeFlags(target)> dist/services/main.js --target <target>` against the given servers and
 * resolves once it reports it started (control also reports its ports).
 */
export async function startFerry(target: string, env: FerryEnv): Promise<FerryProcess> {
  const child = spawn(process.execPath, [...nodeFlags(target), MAIN_SCRIPT, '--target', target, ...(env.args ?? [])], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NATS_URL: env.natsUrl,
      FERRY_SOURCE_ENDPOINT: env.sourceEndpoint,
      FERRY_SOURCE_ACCESS_KEY: 'S3RVER',
      FERRY_SOURCE_SECRET_KEY: 'S3RVER',
      // The tests' source is s3rver, which never reports tag counts (a synthetic source passes 'true').
      FERRY_SOURCE_TAGGING_COUNT_HEADER: 'false',
      FERRY_DATA_DIR: env.dataDir,
      FERRY_ADMIN_TOKEN: TEST_TOKEN,
      FERRY_SECRET_KEY: TEST_SECRET_KEY,
      FERRY_HTTP_ADDR: '127.0.0.1:0',
      FERRY_GRPC_ADDR: '127.0.0.1:0',
      LOG_LEVEL: 'info',
      // Tests list a run of more than one page in ranges, so that the many tests of a few thousand objects (kills,
      // credentials rotated, mid-run checkpoints) run split listings as before; a benchmark passes the product's default.
      FERRY_LISTER_SPLIT_MIN_PAGES: '1',
      ...env.extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const proc: FerryProcess = {
    child,
    logs: [],
    output: () => text,
    stop: () => stopChild(child, 'SIGTERM', 15_000),
    kill: () => stopChild(child, 'SIGKILL'),
  };
  let buffered = '';
  const onLine = (line: string) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      proc.logs.push(entry);
      if (typeof entry.http_port === 'number') proc.httpPort = entry.http_port;
      if (typeof entry.grpc_port === 'number') proc.grpcPort = entry.grpc_port;
      if (typeof entry.metrics_port === 'number') proc.metricsPort = entry.metrics_port;
    } catch {
      // not a log line (the token banner, or a crash trace): kept in output()
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    lines.forEach(onLine);
  });
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ferry ${target} did not start:\n${text.slice(-3000)}`)), 120_000);
    const check = setInterval(() => {
      if (proc.logs.some((l) => l.msg === 'ferry started')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`ferry ${target} exited with ${code}:\n${text.slice(-3000)}`));
    });
  });
  return proc;
}
