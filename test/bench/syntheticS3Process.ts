/**
 * A synthetic S3 endpoint (syntheticS3.ts) in a process of its own, so that serving and
 * hashing bodies neither competes with the benchmark harness's own timing nor is capped by
 * the harness's one thread. Buckets are described as data (a function cannot cross to the
 * child): `tagEvery` tags one object in that many.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSyntheticS3, type SyntheticS3 } from './syntheticS3.js';

export interface PlainBucketSpec {
  count: number;
  size: number;
  prefix?: string;
  /** Tag object i with { tier: 'archive' } when i is a multiple of this; none tagged when absent. */
  tagEvery?: number;
}

export interface SyntheticS3Process {
  endpoint: string;
  pid: number;
  /** Objects accepted into `bucket` so far. */
  acceptedCount(bucket: string): Promise<number>;
  stop(): Promise<void>;
}

interface Request {
  id: number;
  bucket: string;
}

/** `tls`: files of a certificate and its key (PEM) to serve HTTPS with. */
export async function startSyntheticS3Process(buckets: Record<string, PlainBucketSpec>, tls?: { certFile: string; keyFile: string }): Promise<SyntheticS3Process> {
  const args = ['--child', JSON.stringify(buckets), ...(tls ? [tls.certFile, tls.keyFile] : [])];
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await once(child, 'message')) as [{ endpoint: string }];
  const pending = new Map<number, (count: number) => void>();
  let nextId = 0;
  child.on('message', (m: { id?: number; count?: number }) => {
    if (m.id === undefined) return;
    pending.get(m.id)?.(m.count!);
    pending.delete(m.id);
  });
  return {
    endpoint: ready.endpoint,
    pid: child.pid!,
    acceptedCount: (bucket) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        child.send({ id, bucket } satisfies Request);
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill();
      await once(child, 'exit');
    },
  };
}

async function serveInChild(buckets: Record<string, PlainBucketSpec>, certFile?: string, keyFile?: string): Promise<void> {
  const s3: SyntheticS3 = await startSyntheticS3({
    ...(certFile && keyFile ? { tls: { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') } } : {}),
    buckets: Object.fromEntries(
      Object.entries(buckets).map(([name, spec]) => {
        const every = spec.tagEvery;
        return [name, { count: spec.count, size: spec.size, prefix: spec.prefix, tags: (i: number) => (every && i % every === 0 ? { tier: 'archive' } : undefined) }];
      }),
    ),
  });
  process.on('message', (m: Request) => {
    const accepted = s3.accepted(m.bucket);
    process.send!({ id: m.id, count: typeof accepted === 'number' ? accepted : accepted.size });
  });
  process.on('disconnect', () => void s3.stop().then(() => process.exit(0)));
  process.send!({ endpoint: s3.endpoint });
}

if (process.argv[2] === '--child') await serveInChild(JSON.parse(process.argv[3]!) as Record<string, PlainBucketSpec>, process.argv[4], process.argv[5]);
