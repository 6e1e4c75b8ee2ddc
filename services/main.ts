#!/usr/bin/env node
/**
 * Starts Ferry's services: `--target all` (the default, what `make run` uses) runs
 * every service in this process, starting an embedded nats-server and s3rver where
 * none is configured; `--target control|projector|lister|copier` runs one, so any
 * service can be scaled out, killed and restarted alone.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { NatsConnection } from 'nats';
import { ConfigError, loadConfig, type FerryConfig } from '../libs/config/index.js';
import { createLogger, type Logger } from '../libs/log/logger.js';
import { NatsConnectError, awaitTopology, connectNats, ensureTopology } from '../libs/nats/index.js';
import { SecretSealer } from '../libs/secrets/index.js';
import { destinationAddressPolicy } from '../libs/net/index.js';
import { setDefaultCaBundle, setSocketTimeoutMs } from '../libs/http1/index.js';
import { logCredentialRefreshFailures } from '../libs/credentials/index.js';
import { operationalRoutes, startOperationalServer } from '../libs/observability/health.js';
import { startJobMetrics } from '../libs/observability/jobMetrics.js';
import type { RunningChild } from '../libs/embedded/index.js';
import { startControl } from './control/control.js';
import { startProjector } from './projector/projector.js';
import { startLister } from './lister/lister.js';
import { startCopier } from './copier/copier.js';
import { startNotifier } from './notifier/notifier.js';
import { webhookSecretFor } from './notifier/webhookSecret.js';
import { apiTokensFor, masterKeysFor } from './bootstrap/credentials.js';
import { startEmbedded } from './bootstrap/embedded.js';
import { missingNodeFlags } from './nodeFlags.js';

const TARGETS = ['all', 'control', 'projector', 'lister', 'copier', 'notifier'] as const;
type Target = (typeof TARGETS)[number];

interface Stoppable {
  stop(): Promise<void>;
}

async function startServices(target: Target, config: FerryConfig, log: Logger, nc: NatsConnection, rebuild: boolean): Promise<Stoppable[]> {
  const has = (t: Target) => target === 'all' || target === t;
  const running: Stoppable[] = [];
  setSocketTimeoutMs(config.endpointTimeoutMs);
  setDefaultCaBundle(config.caBundle);
  logCredentialRefreshFailures(log.child({ service: 'credentials' }));
  const dataDir = resolve(config.dataDir);
  const needsSealer = has('control') || has('copier') || has('lister') || has('notifier');
  const sealer = needsSealer ? await SecretSealer.open(nc, masterKeysFor(dataDir, config.masterKeys)) : undefined;
  const source = () => {
    if (!config.source) throw new ConfigError('ferry.source.endpoint', 'FERRY_SOURCE_ENDPOINT is required for the lister and copier');
    return config.source;
  };

  if (has('projector')) running.push(await startProjector({ nc, log: log.child({ service: 'projector' }), rebuild, checkpointOutcomes: config.checkpointOutcomes }));
  if (has('control')) {
    const { tokens, generated } = apiTokensFor(dataDir, config);
    if (generated) process.stdout.write(`\nFerry admin token (saved in ${resolve(generated.path)}):\n  export TOKEN=${generated.token}\n\n`);
    // Job gauges are served by the process that serves the API, so each job's series comes from one place.
    running.push(await startJobMetrics(nc, log));
    running.push(await startControl({ nc, log: log.child({ service: 'control' }), config, sealer: sealer!, tokens }));
  }
  if (has('lister')) {
    running.push(
      await startLister({
        nc,
        log: log.child({ service: 'lister' }),
        source: source(),
        sealer: sealer!,
        checkpointInterval: config.batch.checkpointInterval,
        defaultConcurrency: config.batch.defaultConcurrency,
        workAckWaitMs: config.copier.ackWaitMs,
        maxWaitingItems: config.listerMaxWaitingItems,
        split: { ranges: config.listerSplitRanges, minPages: config.listerSplitMinPages },
        destinationPolicy: destinationAddressPolicy(config.destinations.allowLinkLocal),
        retryDefaults: config.batch,
      }),
    );
  }
  if (has('copier')) running.push(await startCopier({ nc, log: log.child({ service: 'copier' }), config, source: source(), sealer: sealer! }));
  if (has('notifier')) {
    const { secret, ...webhooks } = config.webhooks;
    running.push(
      await startNotifier({ nc, log: log.child({ service: 'notifier' }), secret: webhookSecretFor(dataDir, secret), sealer: sealer!, replicas: config.natsReplicas, ...webhooks }),
    );
  }
  // Control serves these on its REST port too; FERRY_METRICS_ADDR gives it a plain-HTTP port for probes and
  // scraping that needs no client certificate when the API asks for one (ferry.api_tls.client_ca_file).
  if (config.metricsAddr) {
    const operational = await startOperationalServer(config.metricsAddr, operationalRoutes(() => nc, log), log);
    log.info({ target, metrics_port: operational.port }, 'metrics listening');
    running.push(operational);
  }
  return running;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'all' },
      config: { type: 'string' },
      rebuild: { type: 'boolean', default: false },
    },
  });
  const target = values.target as Target;
  if (!TARGETS.includes(target)) throw new ConfigError('--target', `must be one of ${TARGETS.join(', ')}`);
  let config = loadConfig({ file: values.config });
  const root = createLogger(config.logLevel);
  const log = root.child({ service: 'ferry' });

  let children: RunningChild[] = [];
  if (target === 'all') ({ config, children } = await startEmbedded(config, log));
  if (!config.natsUrl) throw new ConfigError('ferry.nats_url', 'NATS_URL is required unless --target all starts an embedded nats-server');

  let nc: NatsConnection;
  let running: Stoppable[];
  try {
    // Replies come to `_INBOX.<target>.…`: a deployment's NATS users may each read only their own (deploy/nats).
    nc = await connectNats(config.natsUrl, `ferry-${target}`, log, { client: config.nats, inboxPrefix: `_INBOX.${target}` });
    const topology = { replicas: config.natsReplicas, maxWorkItems: config.natsMaxWorkItems };
    // Control creates and updates the streams and buckets; the others create only what is missing, or wait for control where they may not.
    if (target === 'all' || target === 'control') await ensureTopology(nc, topology);
    else await awaitTopology(nc, topology, log);
    running = await startServices(target, config, root, nc, values.rebuild);
  } catch (err) {
    // Never leave an embedded nats-server or s3rver running behind a failed start.
    for (const child of children.reverse()) await child.stop();
    throw err;
  }
  const missing = missingNodeFlags(target, process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length > 0) log.warn({ target, missing_node_flags: missing }, `started without ${missing.join(' ')}: it costs more CPU or memory (see services/nodeFlags.ts)`);
  log.info({ target }, 'ferry started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'ferry stopping');
    for (const service of running.reverse()) await service.stop().catch((err) => log.warn({ err: String(err) }, 'stop failed'));
    await nc.drain().catch((err: unknown) => log.warn({ err: String(err) }, 'draining the NATS connection failed'));
    for (const child of children.reverse()) await child.stop();
    log.info('ferry stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`ferry: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof NatsConnectError) {
    process.stderr.write(`ferry: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`ferry: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
