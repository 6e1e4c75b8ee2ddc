import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { FerryConfig } from '../../libs/config/index.js';
import type { Logger } from '../../libs/log/logger.js';
import type { SecretSealer } from '../../libs/secrets/index.js';
import { operationalRoutes } from '../../libs/observability/health.js';
import { ApiCertificates, startGrpcServer, startHttpGateway, type TokenConfig } from '../../libs/transport/index.js';
import { NotificationLog } from '../../libs/webhooks/index.js';
import { JobEventStore, ReadModel, ReadModelCopy, serveWorkerCommands } from '../../libs/nats/index.js';
import { jobHandlers } from './handlers.js';
import { keyHandlers } from './keyRotation.js';
import { identityHandlers } from './identity.js';
import { consoleRoutes } from './consoleAssets.js';
import { JobService } from './jobService.js';
import { startScheduler } from './scheduler/scheduler.js';
import { startScheduleRunner } from './scheduleRunner.js';

export interface ControlOptions {
  nc: NatsConnection;
  log: Logger;
  config: FerryConfig;
  sealer: SecretSealer;
  tokens: TokenConfig[];
}

/** The control service: gRPC API on FERRY_GRPC_ADDR and its REST shim on FERRY_HTTP_ADDR, both over TLS when ferry.api_tls is set. */
export async function startControl({ nc, log, config, sealer, tokens }: ControlOptions): Promise<{ grpcPort: number; httpPort: number; stop(): Promise<void> }> {
  // One copy of every job's view, kept by one watch, for the API's reads, the scheduler and the schedules.
  const readModel = await ReadModel.open(nc);
  const views = await ReadModelCopy.open(readModel, log.child({ component: 'read-model-copy' }));
  const jobs = await JobService.open(nc, { readModel, copy: views }, sealer, log, {
    sourceEndpoint: config.source?.endpoint,
    sourceHasKeys: config.source === undefined || config.source.accessKey !== '',
    sourceInsecureSkipVerify: config.source?.tls?.insecureSkipVerify === true,
    source: config.source,
    addresses: { allowPrivateWebhooks: config.webhooks.allowPrivateNetworks, allowLinkLocalDestinations: config.destinations.allowLinkLocal },
    checkOnStart: config.checkOnStart,
  });
  const { maxConcurrentJobs, historyLimit } = config.batch;
  const scheduler = await startScheduler({ nc, views, log: log.child({ component: 'scheduler' }), sealer, maxConcurrentJobs, historyLimit });
  jobs.useScheduler(scheduler);
  const schedules = startScheduleRunner({ views, log: log.child({ component: 'schedules' }), jobs });
  // Copiers may not append to job logs: what they need decided (a run failing, a bucket's region) is asked of control.
  const workerCommands = serveWorkerCommands(nc, await JobEventStore.open(nc), log.child({ component: 'worker-commands' }));
  const handlers = { ...jobHandlers(jobs, await NotificationLog.open(nc, config.natsReplicas), config.source), ...keyHandlers(sealer, log), ...identityHandlers() };
  // Proves to the gRPC server that a call's forwarded client address comes from this process's gateway.
  const gatewayKey = randomBytes(32).toString('base64url');
  // One set of certificates for both ports, renewed for both at once.
  const tls = config.apiTls ? ApiCertificates.open(config.apiTls, log.child({ component: 'api-tls' })) : undefined;
  tls?.watch(config.apiTls!.reloadIntervalMs);
  const grpc = await startGrpcServer({ address: config.grpcAddr, handlers, tokens, log, gatewayKey, tls });
  const http = await startHttpGateway({
    address: config.httpAddr,
    grpcTarget: grpc.localTarget,
    callUnary: grpc.callUnary,
    log,
    gatewayKey,
    routes: operationalRoutes(() => nc, log),
    prefixRoutes: consoleRoutes(log.child({ component: 'console' })),
    tls,
  });
  log.info({ grpc_port: grpc.port, http_port: http.port, tls: tls !== undefined }, 'control listening');
  return {
    grpcPort: grpc.port,
    httpPort: http.port,
    async stop() {
      tls?.stop();
      await http.stop();
      await grpc.stop();
      await schedules.stop();
      await scheduler.stop();
      views.stop();
      await workerCommands.drain();
    },
  };
}
