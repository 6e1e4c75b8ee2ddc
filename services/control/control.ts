import type { NatsConnection } from 'nats';
import type { FerryConfig } from '../../libs/config/index.js';
import type { Logger } from '../../libs/log/logger.js';
import type { SecretSealer } from '../../libs/secrets/index.js';
import { operationalRoutes } from '../../libs/observability/health.js';
import { startGrpcServer, startHttpGateway, type TokenConfig } from '../../libs/transport/index.js';
import { NotificationLog } from '../../libs/webhooks/index.js';
import { JobEventStore, serveWorkerCommands } from '../../libs/nats/index.js';
import { splitHostPort } from '../../libs/net/index.js';
import { jobHandlers } from './handlers.js';
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

/** The control service: gRPC API on FERRY_GRPC_ADDR and its REST shim on FERRY_HTTP_ADDR. */
export async function startControl({ nc, log, config, sealer, tokens }: ControlOptions): Promise<{ grpcPort: number; httpPort: number; stop(): Promise<void> }> {
  const jobs = await JobService.open(nc, sealer, log, {
    sourceEndpoint: config.source?.endpoint,
    sourceHasKeys: config.source === undefined || config.source.accessKey !== '',
    sourceInsecureSkipVerify: config.source?.tls?.insecureSkipVerify === true,
    source: config.source,
    addresses: { allowPrivateWebhooks: config.webhooks.allowPrivateNetworks, allowLinkLocalDestinations: config.destinations.allowLinkLocal },
    checkOnStart: config.checkOnStart,
  });
  const { maxConcurrentJobs, historyLimit } = config.batch;
  const scheduler = await startScheduler({ nc, log: log.child({ component: 'scheduler' }), sealer, maxConcurrentJobs, historyLimit });
  jobs.useScheduler(scheduler);
  const schedules = await startScheduleRunner({ nc, log: log.child({ component: 'schedules' }), jobs });
  // Copiers may not append to job logs: what they need decided (a run failing, a bucket's region) is asked of control.
  const workerCommands = serveWorkerCommands(nc, await JobEventStore.open(nc), log.child({ component: 'worker-commands' }));
  const grpc = await startGrpcServer({ address: config.grpcAddr, handlers: jobHandlers(jobs, await NotificationLog.open(nc, config.natsReplicas), config.source), tokens, log });
  const grpcHost = splitHostPort(config.grpcAddr).host;
  const http = await startHttpGateway({
    address: config.httpAddr,
    grpcTarget: `${grpcHost.includes(':') ? `[${grpcHost}]` : grpcHost}:${grpc.port}`,
    log,
    routes: operationalRoutes(() => nc, log),
  });
  log.info({ grpc_port: grpc.port, http_port: http.port }, 'control listening');
  return {
    grpcPort: grpc.port,
    httpPort: http.port,
    async stop() {
      await http.stop();
      await grpc.stop();
      await schedules.stop();
      await scheduler.stop();
      await workerCommands.drain();
    },
  };
}
