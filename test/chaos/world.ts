/**
 * The reliability suite's world: nats-server (one node, or a 3-node JetStream cluster on loopback),
 * two s3rver instances (source and destination, so every job is cross-cluster), optional
 * fault-injecting proxies, a webhook receiver, and Ferry as one process per service
 * (control, projector, lister, notifier, copier-1..n) that a scenario can SIGKILL and start again.
 */
import { seededRandom } from '../harness/seededRandom.js';
import { createHash } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { connect, DeliverPolicy, type NatsConnection } from 'nats';
import {
  natsServerBinary,
  spawnUntilReady,
  startNatsServer,
  startS3rver,
  type RunningChild,
} from '../../libs/embedded/index.js';
import type { ObjectOutcome, ObjectsProcessed } from '../../libs/domain/index.js';
import { subjects } from '../../libs/nats/index.js';
import { startFaultProxy, type FaultProxy, type Faults } from '../harness/faultProxy.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { rest } from '../harness/restClient.js';
import { createBucket, putObjects, readObject, testS3Client } from '../harness/s3TestClient.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor, waitForProgress } from '../harness/waitFor.js';
import { freePort } from '../harness/freePort.js';

export interface WorldOptions {
  objects: number;
  seed: number;
  /** A 3-node JetStream cluster instead of one nats-server (Ferry then uses FERRY_NATS_REPLICAS=3). */
  cluster?: boolean;
  copiers?: number;
  /** Faults on the destination endpoint (a fault proxy is always in front of it). */
  destinationFaults?: Partial<Faults>;
  /** Latency on the lister's own view of the source (a proxy), so listing spans a measurable time. */
  listerSourceLatencyMs?: number;
  /** Destination credentials other than S3RVER/S3RVER (the destination s3rver gets this key pair too). */
  destinationKey?: { accessKey: string; secretKey: string };
  log?: (line: string) => void;
}

export interface JobView {
  job_id: string;
  status: string;
  error?: string;
  progress: {
    total_objects: number;
    completed_objects: number;
    skipped_objects: number;
    failed_objects: number;
    listing_complete: boolean;
  };
  [key: string]: unknown;
}

interface NatsNode {
  name: string;
  port: number;
  clusterPort: number;
  monitorPort: number;
  storeDir: string;
  conf?: string;
  running?: RunningChild;
}

/** Every chaos job's max_retries: an object that cannot be copied takes this many retries, then fails. */
export const JOB_MAX_RETRIES = 6;
/** The chaos job's concurrency. */
export const JOB_CONCURRENCY = 32;

/** The outcomes of a job's objects, read live: a finished run's outcome batches are compacted away. */
export interface OutcomeWatch {
  /** Waits until every outcome in the log so far was read, stops following, and answers the first outcome of each ordinal. */
  drain(): Promise<Map<number, ObjectOutcome>>;
  /** Stops following without waiting (a scenario that failed before it drained). */
  stop(): void;
}

export const SOURCE_BUCKET = 'src';
export const DESTINATION_BUCKET = 'dst';
const KEYED_S3RVER = fileURLToPath(new URL('./keyedS3rver.js', import.meta.url));



/** Runs `fn` over `items` with at most `concurrency` at once. */
async function forEachLimit<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export class World {
  readonly dir: string;
  private readonly removeDir: () => void;
  readonly nodes: NatsNode[] = [];
  readonly services = new Map<string, FerryProcess>();
  /** Every process that ever ran, killed ones included (their output is still grepped). */
  readonly allProcesses: Array<{ name: string; proc: FerryProcess }> = [];
  private s3: RunningChild[] = [];
  sourceEndpoint = '';
  destinationEndpoint = '';
  destinationProxy?: FaultProxy;
  listerProxy?: FaultProxy;
  source!: S3Client;
  destination!: S3Client;
  /** key -> MD5 of the bytes seeded at the source. */
  readonly expected = new Map<string, string>();
  readonly webhooks: Array<Record<string, unknown>> = [];
  private webhookServer?: http.Server;
  webhookUrl = '';
  private nc?: NatsConnection;

  private constructor(
    readonly name: string,
    readonly options: WorldOptions,
  ) {
    const tmp = makeTempDir(`chaos-${name}`);
    this.dir = tmp.path;
    this.removeDir = () => tmp.remove();
  }

  log(line: string): void {
    this.options.log?.(`[${this.name}] ${line}`);
  }

  static async start(name: string, options: WorldOptions): Promise<World> {
    const world = new World(name, options);
    try {
      await world.startNats();
      await world.startStorage();
      await world.startWebhookReceiver();
      await world.seed();
      await world.startFerry();
    } catch (err) {
      await world.stop();
      throw err;
    }
    return world;
  }

  get natsUrl(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  }

  // --- NATS ---

  private async startNats(): Promise<void> {
    const count = this.options.cluster ? 3 : 1;
    for (let i = 1; i <= count; i++) {
      this.nodes.push({ name: `n${i}`, port: await freePort(), clusterPort: await freePort(), monitorPort: await freePort(), storeDir: join(this.dir, `nats-${i}`) });
    }
    if (this.options.cluster) {
      const routes = this.nodes.map((n) => `nats-route://127.0.0.1:${n.clusterPort}`).join(', ');
      for (const n of this.nodes) {
        mkdirSync(n.storeDir, { recursive: true });
        n.conf = join(this.dir, `${n.name}.conf`);
        writeFileSync(
          n.conf,
          [
            `server_name: ${n.name}`,
            `listen: 127.0.0.1:${n.port}`,
            `http: 127.0.0.1:${n.monitorPort}`,
            `jetstream { store_dir: "${n.storeDir}" }`,
            `cluster { name: chaos, listen: 127.0.0.1:${n.clusterPort}, routes: [${routes}] }`,
          ].join('\n'),
        );
      }
    }
    await Promise.all(this.nodes.map((n) => this.startNode(n)));
  }

  /** Starts (or starts again, on the same port and store dir) one node and waits until it is healthy. */
  async startNode(node: NatsNode): Promise<void> {
    if (node.conf) {
      node.running = await spawnUntilReady(natsServerBinary(), ['-c', node.conf], /Server is ready/, { name: `nats ${node.name}`, timeoutMs: 30_000 });
      // healthz answers 200 once this server's JetStream is up and in contact with a meta leader.
      await waitFor(`nats ${node.name} healthy`, async () => ((await fetch(`http://127.0.0.1:${node.monitorPort}/healthz`, { signal: AbortSignal.timeout(5_000) })).ok ? true : undefined), 60_000, 200);
    } else {
      node.running = await startNatsServer({ storeDir: node.storeDir, port: node.port });
    }
  }

  /** A connection of the runner's own (to find stream leaders and read the raw log). */
  async natsConnection(): Promise<NatsConnection> {
    this.nc ??= await connect({ servers: this.nodes.map((n) => `127.0.0.1:${n.port}`), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    return this.nc;
  }

  // --- S3, proxies, webhooks ---

  private async startStorage(): Promise<void> {
    const source = await startS3rver({ directory: join(this.dir, 's3-source') });
    this.s3.push(source);
    this.sourceEndpoint = source.endpoint;
    let destinationEndpoint: string;
    const key = this.options.destinationKey;
    if (key) {
      const directory = join(this.dir, 's3-destination');
      mkdirSync(directory, { recursive: true });
      const running = await spawnUntilReady(
        process.execPath,
        ['--openssl-legacy-provider', KEYED_S3RVER, '127.0.0.1', '0', directory, key.accessKey, key.secretKey],
        /s3rver listening on [^\s]*:(\d+)/,
        { name: 's3rver (keyed)' },
      );
      this.s3.push(running);
      destinationEndpoint = `http://127.0.0.1:${running.match[1]}`;
    } else {
      const destination = await startS3rver({ directory: join(this.dir, 's3-destination') });
      this.s3.push(destination);
      destinationEndpoint = destination.endpoint;
    }
    this.source = testS3Client(source.endpoint);
    this.destination = testS3Client(destinationEndpoint, key?.accessKey, key?.secretKey);
    await createBucket(this.source, SOURCE_BUCKET);
    await createBucket(this.destination, DESTINATION_BUCKET);
    // s3rver 3.7.1 removes a key's parent directory when a DELETE empties it, racing PUTs about to write
    // into it (500s or a crash; see copyFaults.e2e). Ferry deletes what a corrupted PUT left: this keeps
    // `chaos/` from ever being emptied. It is outside the job's selection checks (nothing counts it).
    await putObjects(this.destination, DESTINATION_BUCKET, [{ key: 'chaos/~placeholder', body: Buffer.from('keeps the directory') }], 1);
    this.destinationProxy = await startFaultProxy(destinationEndpoint, this.options.destinationFaults ?? {});
    this.destinationEndpoint = this.destinationProxy.endpoint;
    if (this.options.listerSourceLatencyMs) this.listerProxy = await startFaultProxy(source.endpoint, { latencyMs: this.options.listerSourceLatencyMs });
  }

  private async startWebhookReceiver(): Promise<void> {
    this.webhookServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        try {
          this.webhooks.push(JSON.parse(body) as Record<string, unknown>);
        } catch {
          // not JSON: ignored
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.webhookServer!.listen(0, '127.0.0.1', resolve));
    this.webhookUrl = `http://127.0.0.1:${(this.webhookServer.address() as AddressInfo).port}/hook`;
  }

  /** Objects of 256 B to 4 KiB with seeded bytes under `chaos/`. */
  private async seed(): Promise<void> {
    const random = seededRandom(this.options.seed);
    const objects = Array.from({ length: this.options.objects }, (_, i) => {
      const body = Buffer.alloc(256 + Math.floor(random() * 3841));
      for (let j = 0; j < body.length; j += 4) body.writeUInt32LE(Math.floor(random() * 0x1_0000_0000), Math.min(j, body.length - 4));
      const key = `chaos/${String(i).padStart(6, '0')}`;
      this.expected.set(key, createHash('md5').update(body).digest('hex'));
      return { key, body };
    });
    await putObjects(this.source, SOURCE_BUCKET, objects, 32);
  }

  // --- Ferry ---

  serviceNames(): string[] {
    return ['projector', 'lister', 'notifier', ...Array.from({ length: this.options.copiers ?? 1 }, (_, i) => `copier-${i + 1}`)];
  }

  private async startFerry(): Promise<void> {
    await this.startService('control');
    // allSettled: with Promise.all, a service still starting when another failed would be registered after stop() and outlive the world.
    const started = await Promise.allSettled(this.serviceNames().map((name) => this.startService(name)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Starts the named service (`copier-2` runs `--target copier`). Its metrics port is any free one, which
   * it reports: a port chosen here and handed over could be taken meanwhile by a process of another test.
   */
  async startService(name: string): Promise<FerryProcess> {
    const target = name.replace(/-\d+$/, '');
    const proc = await startFerry(target, {
      natsUrl: this.natsUrl,
      sourceEndpoint: target === 'lister' && this.listerProxy ? this.listerProxy.endpoint : this.sourceEndpoint,
      dataDir: join(this.dir, 'ferry'),
      extraEnv: {
        FERRY_WORK_ACK_WAIT: '3s',
        FERRY_CHECKPOINT_INTERVAL: '250',
        FERRY_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        FERRY_WEBHOOK_RETRY_DELAY: '500ms',
        FERRY_NATS_REPLICAS: this.options.cluster ? '3' : '1',
        ...(target === 'control' ? {} : { FERRY_METRICS_ADDR: '127.0.0.1:0' }),
      },
    });
    this.services.set(name, proc);
    this.allProcesses.push({ name, proc });
    return proc;
  }

  async killService(name: string): Promise<void> {
    const proc = this.services.get(name);
    if (!proc) throw new Error(`no service ${name}`);
    await proc.kill();
    this.services.delete(name);
  }

  metricsPortOf(name: string): number | undefined {
    const proc = this.services.get(name);
    return name === 'control' ? proc?.httpPort : proc?.metricsPort;
  }

  get controlPort(): number {
    const port = this.services.get('control')?.httpPort;
    if (port === undefined) throw new Error('control is not running');
    return port;
  }

  // --- the job ---

  async startJob(jobId: string, extra: Record<string, unknown> = {}): Promise<void> {
    const created = await rest(this.controlPort, 'POST', '/admin/batch/jobs', {
      job_id: jobId,
      source_bucket: SOURCE_BUCKET,
      destination_bucket: DESTINATION_BUCKET,
      destination_endpoint: this.destinationEndpoint,
      destination_access_key: this.options.destinationKey?.accessKey ?? 'S3RVER',
      destination_secret_key: this.options.destinationKey?.secretKey ?? 'S3RVER',
      concurrency: JOB_CONCURRENCY,
      max_retries: JOB_MAX_RETRIES,
      retry_delay: '200ms',
      retry_backoff: 'fixed',
      notification_webhook: this.webhookUrl,
      notify_on: ['running', 'completed', 'failed'],
      ...extra,
    });
    if (created.status !== 200) throw new Error(`create ${jobId}: ${created.status} ${JSON.stringify(created.body)}`);
    const started = await rest(this.controlPort, 'POST', `/admin/batch/jobs/${jobId}/start`);
    if (started.status !== 200) throw new Error(`start ${jobId}: ${started.status} ${JSON.stringify(started.body)}`);
  }

  async job(jobId: string): Promise<JobView> {
    const { status, body } = await rest<JobView>(this.controlPort, 'GET', `/admin/batch/jobs/${jobId}`);
    if (status !== 200) throw new Error(`GET ${jobId}: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Waits until completed + skipped + failed reaches `fraction` of the seeded objects; answers the view then. */
  async waitProcessed(jobId: string, fraction: number): Promise<JobView> {
    const goal = Math.ceil(fraction * this.options.objects);
    let ended: JobView | undefined;
    const view = await waitForProgress(`${jobId} at ${goal} processed objects`, async () => {
      const view = await this.job(jobId);
      const p = view.progress;
      if (['completed', 'failed', 'cancelled'].includes(view.status)) ended = view;
      return { done: ended ?? (p.completed_objects + p.skipped_objects + p.failed_objects >= goal ? view : undefined), progress: p };
    }, { intervalMs: 20 });
    if (ended) throw new Error(`${jobId} ended before ${goal}: ${JSON.stringify(ended)}`);
    return view;
  }

  /** Waits for the job to end for as long as it keeps moving (CHAOS_STALL_MS, default 2 min, without progress fails it). */
  async waitEnded(jobId: string, stallMs = Number(process.env.CHAOS_STALL_MS ?? 120_000)): Promise<JobView> {
    let last: JobView | undefined;
    try {
      return await waitForProgress(`${jobId} ended`, async () => {
        const view = (last = await this.job(jobId));
        return { done: ['completed', 'failed', 'cancelled'].includes(view.status) ? view : undefined, progress: [view.status, view.progress] };
      }, { stallMs });
    } catch (err) {
      const state = await Promise.race([
        this.diagnose().catch((e) => `diagnosis failed: ${String(e)}`),
        new Promise<string>((resolve) => setTimeout(() => resolve('diagnosis timed out'), 20_000).unref()),
      ]);
      throw new Error(`${String(err)}; last seen ${last ? `${last.status} ${JSON.stringify(last.progress)}` : 'nothing'}; ${state}`);
    }
  }

  /** The broker's view when a job is stuck: stream ends, the work consumers, and outcomes in the log. */
  async diagnose(): Promise<string> {
    const nc = await this.natsConnection();
    const jsm = await nc.jetstreamManager();
    const parts: string[] = [];
    for (const stream of ['FERRY_EVENTS', 'FERRY_WORK', 'FERRY_TASKS']) {
      const info = await jsm.streams.info(stream);
      parts.push(`${stream}: messages ${info.state.messages}, last_seq ${info.state.last_seq}, leader ${info.cluster?.leader ?? '-'}`);
      for await (const c of jsm.consumers.list(stream)) {
        parts.push(`  consumer ${c.name}: pending ${c.num_pending}, ack_pending ${c.num_ack_pending}, redelivered ${c.num_redelivered}, waiting ${c.num_waiting}, leader ${c.cluster?.leader ?? '-'}`);
      }
    }
    const ordinals = new Set<string>();
    const consumer = await nc.jetstream().consumers.get('FERRY_EVENTS', { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
    const last = (await jsm.streams.info('FERRY_EVENTS')).state.last_seq;
    const messages = await consumer.consume({ max_messages: 1000 });
    for await (const msg of messages) {
      const event = msg.json<{ type: string; data: { run?: number; outcomes?: Array<{ ordinal: number; result: string }> } }>();
      for (const o of event.data.outcomes ?? []) ordinals.add(`${event.data.run}:${o.ordinal}`);
      if (msg.seq >= last) break;
    }
    messages.stop();
    parts.push(`distinct outcomes in FERRY_EVENTS: ${ordinals.size}`);
    return parts.join('\n');
  }

  /** Seeded objects (all, or those of `keys`) missing or byte-different at the destination (MD5 through the plain SDK). */
  async lostObjects(keys?: Iterable<string>): Promise<string[]> {
    const wanted = keys ? [...keys].map((key): [string, string | undefined] => [key, this.expected.get(key)]) : [...this.expected];
    const lost: string[] = [];
    await forEachLimit(wanted, 32, async ([key, md5]) => {
      const got = await readObject(this.destination, DESTINATION_BUCKET, key).catch(() => undefined);
      if (md5 === undefined || got?.md5 !== md5) lost.push(key);
    });
    return lost.sort();
  }

  /** Seeded objects of `keys` that exist at the destination, whatever their bytes. */
  async presentObjects(keys: Iterable<string>): Promise<string[]> {
    const present: string[] = [];
    await forEachLimit([...keys], 32, async (key) => {
      if (await readObject(this.destination, DESTINATION_BUCKET, key).then(() => true, () => false)) present.push(key);
    });
    return present.sort();
  }

  /** Starts following the job's outcome batches from the beginning of the log. */
  async watchOutcomes(jobId: string): Promise<OutcomeWatch> {
    const nc = await this.natsConnection();
    const subject = subjects.outcome(jobId);
    const consumer = await nc.jetstream().consumers.get('FERRY_EVENTS', { filterSubjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
    const messages = await consumer.consume({ max_messages: 1000 });
    const outcomes = new Map<number, ObjectOutcome>();
    let readThrough = 0;
    const reading = (async () => {
      for await (const msg of messages) {
        for (const outcome of msg.json<ObjectsProcessed>().data.outcomes) if (!outcomes.has(outcome.ordinal)) outcomes.set(outcome.ordinal, outcome);
        readThrough = msg.seq;
      }
    })();
    return {
      async drain() {
        const jsm = await nc.jetstreamManager();
        const last = (await jsm.streams.getMessage('FERRY_EVENTS', { last_by_subj: subject }).catch(() => undefined))?.seq ?? 0;
        await waitForProgress(`outcomes read through sequence ${last}`, async () => ({ done: readThrough >= last ? true : undefined, progress: readThrough }), { intervalMs: 20 });
        messages.stop();
        await reading;
        return outcomes;
      },
      stop: () => messages.stop(),
    };
  }

  /** Sum of a counter over every running service's /metrics (optionally only series with `label`). */
  async metricSum(name: string, label?: string): Promise<number> {
    let sum = 0;
    for (const service of ['control', ...this.serviceNames()]) {
      const port = this.services.has(service) ? this.metricsPortOf(service) : undefined;
      if (port === undefined) continue;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (label && !line.includes(label)) continue;
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((p) => p.kill().catch(() => undefined)));
    this.services.clear();
    await this.nc?.close().catch(() => undefined);
    await this.destinationProxy?.stop();
    await this.listerProxy?.stop();
    const closed = new Promise<void>((resolve) => (this.webhookServer ? this.webhookServer.close(() => resolve()) : resolve()));
    this.webhookServer?.closeAllConnections();
    await closed;
    await Promise.all(this.s3.map((s) => s.stop().catch(() => undefined)));
    await Promise.all(this.nodes.map((n) => n.running?.stop('SIGKILL').catch(() => undefined)));
    this.removeDir();
  }
}
