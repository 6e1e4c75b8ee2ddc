import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3rver, type RunningS3rver } from '../../libs/embedded/index.js';
import type { S3Endpoint } from '../../libs/s3/index.js';

export interface S3Fixture {
  server: RunningS3rver;
  endpoint: S3Endpoint;
  stop(): Promise<void>;
}

/** A real s3rver in a temp directory with the given buckets; stop() removes both. */
export async function startS3Fixture(buckets: string[]): Promise<S3Fixture> {
  const directory = mkdtempSync(join(tmpdir(), 'ferry-s3-'));
  const server = await startS3rver({ directory, buckets });
  return {
    server,
    endpoint: endpointAt(server.endpoint, server),
    async stop() {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The same credentials, reached through another URL (a fault proxy in front of it). */
export function endpointAt(url: string, creds: { accessKey: string; secretKey: string; taggingCountHeader?: boolean }): S3Endpoint {
  return { endpoint: url, region: 'us-east-1', accessKey: creds.accessKey, secretKey: creds.secretKey, taggingCountHeader: creds.taggingCountHeader };
}
