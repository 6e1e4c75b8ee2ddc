import { join, resolve } from 'node:path';
import type { FerryConfig } from '../../libs/config/index.js';
import { startNatsServer, startS3rver, type RunningChild } from '../../libs/embedded/index.js';
import type { Logger } from '../../libs/log/logger.js';

export const EMBEDDED_S3_PORT = 9100;
export const EMBEDDED_NATS_PORT = 4222;

/**
 * What `make run` needs that the operator did not point us at: a nats-server with
 * JetStream unless NATS_URL is set, and s3rver on 127.0.0.1:9100 unless
 * FERRY_SOURCE_ENDPOINT is set. Returns the config completed with their addresses.
 */
export async function startEmbedded(config: FerryConfig, log: Logger): Promise<{ config: FerryConfig; children: RunningChild[] }> {
  const children: RunningChild[] = [];
  let completed = config;
  const dataDir = resolve(config.dataDir);
  if (!config.natsUrl) {
    const nats = await startNatsServer({ storeDir: join(dataDir, 'nats'), port: EMBEDDED_NATS_PORT });
    children.push(nats);
    completed = { ...completed, natsUrl: nats.url };
    log.info({ nats_url: nats.url, store_dir: join(dataDir, 'nats') }, 'embedded nats-server started');
  }
  if (!config.source) {
    const s3 = await startS3rver({ directory: join(dataDir, 's3'), port: EMBEDDED_S3_PORT });
    children.push(s3);
    completed = { ...completed, source: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, region: config.sourceRegion, taggingCountHeader: s3.taggingCountHeader } };
    log.info({ endpoint: s3.endpoint, directory: join(dataDir, 's3') }, 'embedded s3rver started (credentials S3RVER/S3RVER)');
  }
  return { config: completed, children };
}
