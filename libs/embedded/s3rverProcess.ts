import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnUntilReady, type RunningChild } from './childProcess.js';

export interface RunningS3rver extends RunningChild {
  endpoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  /** s3rver never sends x-amz-tagging-count, so its tags must be asked for per object. */
  taggingCountHeader: false;
}

export const S3RVER_CREDENTIALS = { accessKey: 'S3RVER', secretKey: 'S3RVER' } as const;

/** Starts s3rver 3.7.1 in its own process (port 0 picks a free one). */
export async function startS3rver({ directory, host = '127.0.0.1', port = 0, buckets = [] as string[] }: {
  directory: string;
  host?: string;
  port?: number;
  buckets?: string[];
}): Promise<RunningS3rver> {
  mkdirSync(directory, { recursive: true });
  const script = fileURLToPath(new URL('./s3rverMain.js', import.meta.url));
  const running = await spawnUntilReady(
    process.execPath,
    ['--openssl-legacy-provider', script, host, String(port), directory, ...buckets],
    /s3rver listening on [^\s]*:(\d+)/,
    { name: 's3rver' },
  );
  const actualPort = Number(running.match[1]);
  return { ...running, port: actualPort, endpoint: `http://${host}:${actualPort}`, ...S3RVER_CREDENTIALS, taggingCountHeader: false };
}
