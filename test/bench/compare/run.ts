/**
 * Ferry side by side with rclone, a minimal SDK copy loop (issue 11) and the ceiling of its copy
 * path (issue 24), on s3rver and on synthetic endpoints, in one run, alternating the order.
 *
 *   node dist/test/bench/compare/run.js [--scale F] [--repeats N] [--datasets a,b]
 *        [--concurrency C] [--ferry-target split|all] [--tools ferry,rclone,loop,ceiling]
 *        [--ferry-cpu-prof DIR] [--warmup N] [--write-results]
 *
 * Data sets: s3-4k, s3-64m, s3-mixed, s3-same-cluster-64m; syn-4k, syn-1m (one object in 1,000
 * tagged, x-amz-tagging-count reported) and syn-4k-untagged, syn-1m-untagged (no tags, the usual
 * bucket); syn-tls-*: the same four over HTTPS with a CA made for the run (--scale scales object
 * counts only). Every measurement copies into a fresh destination bucket. Every tool gets the
 * same --warmup unmeasured runs per data set. Ferry runs as separate processes (control,
 * projector, lister, one copier) unless --ferry-target all; its CPU is read from /proc before the
 * start call and after `completed` arrives on the job's watch stream, and includes nats-server's
 * (shown apart too). rclone and the two loops are child processes whose CPU is their rusage (the
 * loops': start-up excluded). The ceiling (ceilingLoop.ts) is the bare signed GET→PUT loop on
 * Ferry's own HTTP client with nothing else (no NATS); every table shows each row's objects/s
 * against it. Rows show min, median and max; a tool is called ahead of rclone only when its
 * median beats rclone's by more than both spreads (max − min). --ferry-cpu-prof writes a CPU
 * profile per Ferry process.
 * A benchmark, not a test: nothing here asserts on timing.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { SETTINGS } from '../../../libs/config/index.js';
import { natsServerBinary, startNatsServer, startS3rver, type RunningNatsServer, type RunningS3rver } from '../../../libs/embedded/index.js';
import { TEST_TOKEN, startFerry, type FerryProcess } from '../../harness/ferryProcess.js';
import { rest } from '../../harness/restClient.js';
import { createBucket, testS3Client } from '../../harness/s3TestClient.js';
import { makeTempDir } from '../../harness/tempDir.js';
import { startSyntheticS3Process, type SyntheticS3Process } from '../syntheticS3Process.js';
import { makeTestCertificates, type TestCertificates } from '../../harness/testCertificates.js';
import { seededRandom } from '../../harness/seededRandom.js';
import { compareSpreads, machineInfo, median, negated, processCpuSeconds, runMeasured, spreadOf, totalCpuSeconds, type Spread } from './measure.js';
import type { Endpoint } from './loopSpec.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const ALL_DATASETS = [
  's3-4k',
  's3-64m',
  's3-mixed',
  's3-same-cluster-64m',
  'syn-4k',
  'syn-1m',
  'syn-4k-untagged',
  'syn-1m-untagged',
  'syn-tls-4k',
  'syn-tls-1m',
  'syn-tls-4k-untagged',
  'syn-tls-1m-untagged',
] as const;
type DatasetName = (typeof ALL_DATASETS)[number];

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '5' },
    /** Unmeasured runs of every tool per data set before the measured ones (the same for each tool). */
    warmup: { type: 'string', default: '1' },
    datasets: { type: 'string', default: ALL_DATASETS.join(',') },
    concurrency: { type: 'string', default: '32' },
    'ferry-target': { type: 'string', default: 'split' },
    'write-results': { type: 'boolean', default: false },
    /** Only these tools (ferry, rclone, loop, ceiling; the same-cluster set always runs its two Ferry variants). */
    tools: { type: 'string', default: 'ferry,rclone,loop,ceiling' },
    /** Write a CPU profile of every Ferry process into this directory (see cpuProfile.ts). */
    'ferry-cpu-prof': { type: 'string', default: '' },
    /** Also give rclone --fast-list on s3rver (it always gets it on the synthetic endpoints). */
    'rclone-fast-list': { type: 'boolean', default: false },
  },
});
const SCALE = Number(values.scale);
const REPEATS = Number(values.repeats);
const WARMUP = Number(values.warmup);
const C = Number(values.concurrency);
const FERRY_TARGET = values['ferry-target'] === 'all' ? 'all' : 'split';
const selectedTools = new Set(values.tools!.split(',').map((s) => s.trim()).filter(Boolean));
const selected = values.datasets!.split(',').map((s) => s.trim()).filter(Boolean) as DatasetName[];
for (const name of selected) if (!ALL_DATASETS.includes(name)) throw new Error(`unknown data set ${name}; known: ${ALL_DATASETS.join(', ')}`);
if (!(SCALE > 0) || !(REPEATS >= 1) || !(C >= 1) || !(WARMUP >= 0)) throw new Error('--scale, --repeats and --concurrency must be positive, --warmup at least 0');

const scaled = (count: number, min = 1) => Math.max(min, Math.round(count * SCALE));
const FERRY_LABEL = FERRY_TARGET === 'all' ? 'Ferry (--target all)' : 'Ferry (control+projector+lister+1 copier)';

type Objects = Array<[string, number]>;

interface Sample {
  seconds: number;
  cpuSeconds: number;
  natsCpuSeconds?: number;
  msgsPerObject?: number;
  allMsgsPerObject?: number;
  /** Ferry only: CPU seconds by process (role), for the progress lines. */
  byProcess?: Record<string, number>;
}

interface ToolResult {
  tool: string;
  samples: Sample[];
  errors: string[];
}

interface DatasetResult {
  name: DatasetName;
  description: string;
  objects: number;
  bytes: number;
  tools: ToolResult[];
}

/** Where a data set's objects live and where its copies go. */
interface Group {
  source: Endpoint;
  /** Extra rclone flags for these endpoints. */
  rcloneArgs: string[];
  /** Ferry processes configured with this group's source endpoint. */
  ferry: FerryDeployment;
  newDestination(name: string, sameCluster: boolean): Promise<Destination>;
  /** Processes serving the endpoints, when they are ours (synthetic): their CPU is printed per run. */
  endpointPids?: number[];
}

interface Destination {
  bucket: string;
  endpoint: Endpoint;
  count(): Promise<number>;
  drop(): void;
}

interface FerryDeployment {
  control: FerryProcess;
  processes: FerryProcess[];
  roles: string[];
  stop(): Promise<void>;
}

// ---------------------------------------------------------------- helpers

async function countBucket(client: S3Client, bucket: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    count += page.KeyCount ?? page.Contents?.length ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return count;
}

async function seedS3rver(client: S3Client, bucket: string, objects: Objects): Promise<void> {
  await createBucket(client, bucket).catch(() => {});
  const maxSize = Math.max(...objects.map(([, size]) => size));
  // Random bodies (incompressible); object i is a window of one pool at an offset of its own.
  const pool = randomBytes(maxSize + 64 * KiB);
  let next = 0;
  const concurrency = maxSize > 8 * MiB ? 2 : 32;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < objects.length) {
        const i = next++;
        const [key, size] = objects[i]!;
        const offset = (i * 4099) % (64 * KiB);
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: pool.subarray(offset, offset + size), ContentLength: size, ContentType: 'application/octet-stream' }));
      }
    }),
  );
}

/** Every JetStream stream's last sequence (messages ever stored, work queues included). */
async function streamSequences(jsm: JetStreamManager): Promise<Map<string, number>> {
  const seqs = new Map<string, number>();
  for (const info of await jsm.streams.list().next()) seqs.set(info.config.name, info.state.last_seq);
  return seqs;
}

function deltas(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, seq] of after) out.set(name, seq - (before.get(name) ?? 0));
  return out;
}

/** A Ferry pid and any descendants (so --target all is covered if it forks). */
function processTree(roots: number[]): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) if (found.has(ppid) && !found.has(pid)) (found.add(pid), (grew = true));
  }
  return [...found];
}

/**
 * Follows the job's WatchJob stream (REST: server-sent events) and resolves with the first
 * view in a final state. Pushed by the read model, so the end is seen as soon as polling every
 * few milliseconds would see it, without charging control's CPU for hundreds of GETs.
 */
function watchUntilFinished(port: number, jobId: string, timeoutMs: number): Promise<any> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const req = httpGet(
      { host: '127.0.0.1', port, path: `/admin/batch/jobs/${encodeURIComponent(jobId)}/watch`, headers: { authorization: `Bearer ${TEST_TOKEN}` } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch ${jobId}: HTTP ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!event.startsWith('data: ')) continue;
            const view = JSON.parse(event.slice('data: '.length));
            if (['completed', 'failed', 'cancelled'].includes(view?.status)) {
              clearTimeout(timer);
              req.destroy();
              resolve(view);
            }
          }
        });
        res.once('end', () => reject(new Error(`watch ${jobId} ended before the job finished`)));
      },
    );
    req.once('error', (err) => (req.destroyed ? undefined : reject(err)));
    const timer = setTimeout(() => (req.destroy(), reject(new Error(`job ${jobId} did not finish in ${timeoutMs} ms`))), timeoutMs);
  });
}

// ---------------------------------------------------------------- the three tools

async function runFerry(
  group: Group,
  dataset: DatasetName,
  tool: string,
  repeat: number,
  objects: Objects,
  destination: Destination,
  sourceBucket: string,
  serverSide: boolean,
  nats: RunningNatsServer,
  jsm: JetStreamManager,
): Promise<Sample> {
  const port = group.ferry.control.httpPort!;
  const jobId = `b-${dataset}-${tool}-${repeat}-${Date.now().toString(36)}`;
  const job: Record<string, unknown> = { job_id: jobId, source_bucket: sourceBucket, destination_bucket: destination.bucket, concurrency: C };
  if (!serverSide) {
    job.destination_endpoint = destination.endpoint.endpoint;
    job.destination_access_key = destination.endpoint.accessKey;
    job.destination_secret_key = destination.endpoint.secretKey;
    if (destination.endpoint.caPem) job.destination_ca_bundle = destination.endpoint.caPem;
  }
  const created = await rest(port, 'POST', '/admin/batch/jobs', job);
  if (created.status !== 200) throw new Error(`create job: ${created.status} ${JSON.stringify(created.body)}`);
  const pids = processTree(group.ferry.processes.map((p) => p.child.pid!));
  const roleBefore = group.ferry.processes.map((p) => processCpuSeconds(p.child.pid!));
  const natsPid = nats.child.pid!;
  const seqBefore = await streamSequences(jsm);
  const cpuBefore = totalCpuSeconds(pids);
  const natsBefore = processCpuSeconds(natsPid);
  const started = process.hrtime.bigint();
  const watching = watchUntilFinished(port, jobId, 60 * 60_000);
  const start = await rest(port, 'POST', `/admin/batch/jobs/${jobId}/start`);
  if (start.status !== 200) throw new Error(`start job: ${start.status} ${JSON.stringify(start.body)}`);
  const view = await watching;
  if (view?.status !== 'completed') throw new Error(`job ${jobId} ${view?.status}: ${JSON.stringify(view)}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const natsCpuSeconds = processCpuSeconds(natsPid) - natsBefore;
  // nats-server works for Ferry alone here: its CPU is part of Ferry's.
  const cpuSeconds = totalCpuSeconds(pids) - cpuBefore + natsCpuSeconds;
  const byProcess = Object.fromEntries(group.ferry.processes.map((p, i) => [group.ferry.roles[i]!, processCpuSeconds(p.child.pid!) - roleBefore[i]!]));
  const moved = deltas(seqBefore, await streamSequences(jsm));
  const copied = Number(view.progress?.completed_objects ?? 0);
  if (copied !== objects.length) throw new Error(`job ${jobId} completed ${copied} of ${objects.length} objects: ${JSON.stringify(view.progress)}`);
  const eventsAndWork = (moved.get('FERRY_EVENTS') ?? 0) + (moved.get('FERRY_WORK') ?? 0);
  const all = [...moved.values()].reduce((a, b) => a + b, 0);
  return { seconds, cpuSeconds, natsCpuSeconds, msgsPerObject: eventsAndWork / copied, allMsgsPerObject: all / copied, byProcess };
}

async function runRclone(source: Endpoint, sourceBucket: string, destination: Destination, extra: string[], scratch: string): Promise<Sample> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AWS_CA_BUNDLE; // rclone refuses the environment's bundle (NOTES.md)
  for (const [name, e] of [['SRC', source], ['DST', destination.endpoint]] as const) {
    Object.assign(env, {
      [`RCLONE_CONFIG_${name}_TYPE`]: 's3',
      [`RCLONE_CONFIG_${name}_PROVIDER`]: 'Other',
      [`RCLONE_CONFIG_${name}_ENDPOINT`]: e.endpoint,
      [`RCLONE_CONFIG_${name}_ACCESS_KEY_ID`]: e.accessKey,
      [`RCLONE_CONFIG_${name}_SECRET_ACCESS_KEY`]: e.secretKey,
      [`RCLONE_CONFIG_${name}_FORCE_PATH_STYLE`]: 'true',
      [`RCLONE_CONFIG_${name}_REGION`]: 'us-east-1',
      // rclone 1.60 lists with ListObjects v1 for provider Other; the synthetic endpoint
      // (like Ferry) speaks ListObjectsV2 only, so every endpoint is listed with v2.
      [`RCLONE_CONFIG_${name}_LIST_VERSION`]: '2',
    });
  }
  const args = ['--config', '/dev/null', 'copy', `src:${sourceBucket}`, `dst:${destination.bucket}`, '-M', '--transfers', String(C), '--checkers', String(C), ...extra];
  const run = await runMeasured('rclone', args, env, join(scratch, `times-${Date.now()}`));
  if (run.code !== 0) throw new Error(`rclone exited with ${run.code}: ${run.output.slice(-2000)}`);
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds };
}

/** `script`: minimalLoop.js (the SDK loop) or ceilingLoop.js (the bare loop on Ferry's own HTTP client). */
async function runLoop(script: string, source: Endpoint, sourceBucket: string, destination: Destination, objects: Objects, scratch: string): Promise<Sample> {
  const specFile = join(scratch, `loop-${Date.now()}.json`);
  writeFileSync(
    specFile,
    JSON.stringify({ source, destination: destination.endpoint, sourceBucket, destinationBucket: destination.bucket, concurrency: C, keys: objects }),
  );
  const child = spawn(process.execPath, [join(HERE, script), specFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
  rmSync(specFile, { force: true });
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`${script} exited with ${code}: ${out.slice(-2000)}`);
  const result = JSON.parse(last) as { seconds: number; cpuSeconds: number };
  return { seconds: result.seconds, cpuSeconds: result.cpuSeconds };
}

// ---------------------------------------------------------------- endpoints and Ferry

/** Copier settings a run may be measured with, taken from this process's environment. */
const PASSED_SETTINGS = ['FERRY_PARTS_IN_FLIGHT', 'FERRY_MULTIPART_THRESHOLD', 'FERRY_PART_SIZE'];

/** `taggingCountHeader`: whether the source sends x-amz-tagging-count on tagged objects (synthetic: yes; s3rver: no). */
/** `sourceCaFile`: the CA of an https source (ferry.source.ca_bundle). */
async function startFerryDeployment(natsUrl: string, sourceEndpoint: string, dataDir: string, taggingCountHeader: boolean, sourceCaFile?: string): Promise<FerryDeployment> {
  // LOG_LEVEL stays info: the harness waits for the 'ferry started' line.
  const profileDir = values['ferry-cpu-prof'];
  const extraEnv = {
    FERRY_SOURCE_TAGGING_COUNT_HEADER: String(taggingCountHeader),
    // The test harness lists in ranges from two pages on; measured is the product's default.
    FERRY_LISTER_SPLIT_MIN_PAGES: String(SETTINGS.find((s) => s.env === 'FERRY_LISTER_SPLIT_MIN_PAGES')!.default),
    ...(sourceCaFile ? { FERRY_SOURCE_CA_BUNDLE: sourceCaFile } : {}),
    // Settings under measurement pass through from the bench's own environment (e.g. FERRY_PARTS_IN_FLIGHT=8).
    ...Object.fromEntries(PASSED_SETTINGS.filter((name) => process.env[name]).map((name) => [name, process.env[name]!])),
    ...(profileDir ? { NODE_OPTIONS: `--import ${join(HERE, 'cpuProfile.js')}`, FERRY_CPU_PROF_DIR: profileDir } : {}),
  };
  const env = { natsUrl, sourceEndpoint, dataDir, extraEnv };
  const processes: FerryProcess[] = [];
  const roles = FERRY_TARGET === 'all' ? ['all'] : ['control', 'projector', 'lister', 'copier'];
  try {
    if (FERRY_TARGET === 'all') {
      processes.push(await startFerry('all', env));
    } else {
      processes.push(await startFerry('control', env));
      for (const target of ['projector', 'lister', 'copier']) processes.push(await startFerry(target, env));
    }
  } catch (err) {
    await Promise.all(processes.map((p) => p.stop()));
    throw err;
  }
  const control = processes[0]!;
  if (control.httpPort === undefined) throw new Error(`Ferry ${FERRY_TARGET} did not report its HTTP port`);
  return { control, processes, roles, stop: async () => void (await Promise.all(processes.map((p) => p.stop()))) };
}

// ---------------------------------------------------------------- data sets

function logUniformSizes(count: number, min: number, max: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => Math.round(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min)))));
}

const keyed = (prefix: string, sizes: number[]): Objects => sizes.map((size, i) => [`${prefix}${String(i).padStart(6, '0')}`, size]);

const s3rverSets = {
  's3-4k': () => ({ bucket: 'src-4k', objects: keyed('small/', Array(scaled(10_000)).fill(4 * KiB)), description: `${scaled(10_000)} × 4 KiB, s3rver → s3rver` }),
  's3-64m': () => ({ bucket: 'src-64m', objects: keyed('big/', Array(scaled(8, 2)).fill(64 * MiB)), description: `${scaled(8, 2)} × 64 MiB, s3rver → s3rver` }),
  's3-mixed': () => ({
    bucket: 'src-mixed',
    objects: keyed('mixed/', logUniformSizes(scaled(2_000), KiB, 16 * MiB, 20261126)),
    description: `${scaled(2_000)} objects, 1 KiB to 16 MiB log-uniform (seeded), s3rver → s3rver`,
  }),
  's3-same-cluster-64m': () => ({ bucket: 'src-64m', objects: keyed('big/', Array(scaled(8, 2)).fill(64 * MiB)), description: `${scaled(8, 2)} × 64 MiB within one s3rver` }),
} as const;

const GENERATED_PREFIX = 'obj/';
/**
 * One generated object in 1,000 carries a tag (object 0 first), announced with
 * x-amz-tagging-count as S3 does. rclone -M never copies tags; Ferry copies these few and
 * trusts the header's absence on the rest, as it would on S3. (Every object tagged would have
 * Ferry do two tagging requests per object that rclone does not do at all; s3rver never reports
 * counts, so there Ferry is deployed with tagging_count_header false and asks per object.)
 */
const SPARSE_TAG_EVERY = 1000;
const tagNote = (tagged: boolean) => (tagged ? '1 in 1,000 tagged (x-amz-tagging-count reported)' : 'no tags');
/** The synthetic data sets come in two kinds: one object in 1,000 tagged, and no tags at all (the usual bucket). */
const synthetic = (kind: '4k' | '1m', tagged: boolean, tls: boolean) => {
  const [count, size, label] = kind === '4k' ? [scaled(20_000), 4 * KiB, '4 KiB'] : [scaled(400), MiB, '1 MiB'];
  return {
    bucket: `syn${kind}${tagged ? '' : 'n'}`,
    count,
    size,
    tagEvery: tagged ? SPARSE_TAG_EVERY : undefined,
    description: `${count} × ${label}${tls ? ' over HTTPS' : ''}, synthetic → synthetic sink, ${tagNote(tagged)}`,
  };
};
const syntheticSets = {
  'syn-4k': () => synthetic('4k', true, false),
  'syn-1m': () => synthetic('1m', true, false),
  'syn-4k-untagged': () => synthetic('4k', false, false),
  'syn-1m-untagged': () => synthetic('1m', false, false),
} as const;
/** The same data over HTTPS: source and sink serve a certificate from a CA made for the run, which every tool is given. */
const tlsSyntheticSets = {
  'syn-tls-4k': () => synthetic('4k', true, true),
  'syn-tls-1m': () => synthetic('1m', true, true),
  'syn-tls-4k-untagged': () => synthetic('4k', false, true),
  'syn-tls-1m-untagged': () => synthetic('1m', false, true),
} as const;

type SyntheticSpec = ReturnType<typeof synthetic>;

/** Creates a bucket at the synthetic sink (PUT /bucket); answers the status. */
function putBucket(url: string, caPem: string | undefined): Promise<number> {
  if (!caPem) return fetch(url, { method: 'PUT' }).then((res) => res.status);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'PUT', ca: caPem }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------- measuring a data set

async function measureDataset(
  name: DatasetName,
  description: string,
  group: Group,
  sourceBucket: string,
  objects: Objects,
  nats: RunningNatsServer,
  jsm: JetStreamManager,
  scratch: string,
): Promise<DatasetResult> {
  const sameCluster = name === 's3-same-cluster-64m';
  const tools = sameCluster ? ['ferry-server-side', 'ferry-streamed'] : ['ferry', 'rclone', 'loop', 'ceiling'].filter((t) => selectedTools.has(t));
  const results = new Map(tools.map((tool) => [tool, { tool, samples: [] as Sample[], errors: [] as string[] }]));
  const runTool = (tool: string, repeat: number, destination: Destination): Promise<Sample> => {
    if (tool === 'rclone') return runRclone(group.source, sourceBucket, destination, group.rcloneArgs, scratch);
    if (tool === 'loop') return runLoop('minimalLoop.js', group.source, sourceBucket, destination, objects, scratch);
    if (tool === 'ceiling') return runLoop('ceilingLoop.js', group.source, sourceBucket, destination, objects, scratch);
    return runFerry(group, name, tool, repeat, objects, destination, sourceBucket, tool === 'ferry-server-side', nats, jsm);
  };
  // Every tool gets the same unmeasured runs first: Ferry's long-running services pay their JIT and
  // heap growth there, rclone and the loop their page cache and connection set-up.
  for (const tool of tools) {
    for (let warm = 0; warm < WARMUP; warm++) {
      const destination = await group.newDestination(`${name}-${tool}-warmup-${warm}`, tool === 'ferry-server-side' || tool === 'ferry-streamed');
      try {
        const sample = await runTool(tool, -1 - warm, destination);
        process.stderr.write(`  ${name} warm-up ${tool}: ${sample.seconds.toFixed(2)} s (not counted)\n`);
      } catch (err) {
        // Recorded under the tool's row, as a measured run's failure is: one tool's failure does not end the whole run.
        results.get(tool)!.errors.push(`warm-up: ${String((err as Error).message ?? err).slice(0, 500)}`);
        process.stderr.write(`  ${name} warm-up ${tool}: ERROR ${String(err).slice(0, 1000)}\n`);
      } finally {
        destination.drop();
      }
    }
  }
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    // Alternate: rotate the order every repeat, so no tool always runs first (or last).
    const order = tools.map((_, i) => tools[(i + repeat) % tools.length]!);
    for (const tool of order) {
      const destination = await group.newDestination(`${name}-${tool}-${repeat}`, tool === 'ferry-server-side' || tool === 'ferry-streamed');
      const result = results.get(tool)!;
      try {
        const endpointsBefore = group.endpointPids ? totalCpuSeconds(group.endpointPids) : 0;
        const sample = await runTool(tool, repeat, destination);
        const landed = await destination.count();
        if (landed !== objects.length) throw new Error(`${tool}: ${landed} of ${objects.length} objects in the destination`);
        result.samples.push(sample);
        const endpoints = group.endpointPids ? `, endpoints CPU ${(totalCpuSeconds(group.endpointPids) - endpointsBefore).toFixed(2)} s` : '';
        process.stderr.write(`  ${name} #${repeat + 1} ${tool}: ${sample.seconds.toFixed(2)} s, CPU ${sample.cpuSeconds.toFixed(2)} s${endpoints}${
            sample.byProcess ? ` (${Object.entries(sample.byProcess).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}; nats-server ${sample.natsCpuSeconds!.toFixed(2)})` : ''
          }\n`);
      } catch (err) {
        result.errors.push(String((err as Error).message ?? err).slice(0, 500));
        process.stderr.write(`  ${name} #${repeat + 1} ${tool}: ERROR ${String(err).slice(0, 1000)}\n`);
      } finally {
        destination.drop();
      }
    }
  }
  return { name, description, objects: objects.length, bytes: objects.reduce((a, [, s]) => a + s, 0), tools: [...results.values()] };
}

// ---------------------------------------------------------------- reporting

const toolLabel = (tool: string, d: DatasetResult) =>
  ({
    ferry: FERRY_LABEL,
    rclone: `rclone copy -M --transfers ${C} --checkers ${C}${d.name.startsWith('syn-') || values['rclone-fast-list'] ? ' --fast-list' : ''}`,
    loop: `minimal loop (SDK GET→PUT, ${C} in flight)`,
    ceiling: `ceiling: bare signed GET→PUT on Ferry's HTTP client, no NATS (${C} in flight)`,
    'ferry-server-side': `${FERRY_LABEL}, server-side copy (no destination_endpoint)`,
    'ferry-streamed': `${FERRY_LABEL}, streamed (destination_endpoint via localhost)`,
  })[tool] ?? tool;

interface Summary {
  tool: string;
  seconds: Spread;
  objectsPerSecond: Spread;
  mbPerSecond: Spread;
  cpuMsPerObject: Spread;
  natsCpuSeconds?: number;
  msgsPerObject?: number;
  allMsgsPerObject?: number;
  runs: number;
  errors: string[];
}

function summarize(d: DatasetResult): Summary[] {
  return d.tools.map((t) => {
    const opt = (pick: (s: Sample) => number | undefined) => {
      const vals = t.samples.map(pick).filter((v): v is number => v !== undefined);
      return vals.length ? median(vals) : undefined;
    };
    return {
      tool: t.tool,
      seconds: spreadOf(t.samples.map((s) => s.seconds)),
      objectsPerSecond: spreadOf(t.samples.map((s) => d.objects / s.seconds)),
      mbPerSecond: spreadOf(t.samples.map((s) => d.bytes / 1e6 / s.seconds)),
      cpuMsPerObject: spreadOf(t.samples.map((s) => (s.cpuSeconds * 1000) / d.objects)),
      natsCpuSeconds: opt((s) => s.natsCpuSeconds),
      msgsPerObject: opt((s) => s.msgsPerObject),
      allMsgsPerObject: opt((s) => s.allMsgsPerObject),
      runs: t.samples.length,
      errors: t.errors,
    };
  });
}

const fmt = (v: number | undefined, digits = 2) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const fmtSpread = (x: Spread, digits: number) => `${fmt(x.min, digits)} / **${fmt(x.median, digits)}** / ${fmt(x.max, digits)}`;

function table(d: DatasetResult, rows: Summary[]): string {
  const rclone = rows.find((r) => r.tool === 'rclone' && r.runs > 0);
  const ceiling = rows.find((r) => r.tool === 'ceiling' && r.runs > 0);
  const lines = [
    `### ${d.name}: ${d.description} (${(d.bytes / 1e6).toFixed(1)} MB)`,
    '',
    'Each cell: min / **median** / max of the runs. Ferry\'s CPU includes nats-server\'s (also shown apart). "vs ceiling": objects/s median over the ceiling row\'s.',
    '',
    '| tool | objects/s | MB/s | CPU ms/object | speed vs rclone | CPU vs rclone | vs ceiling | nats-server CPU s | JS msgs/object (events+work) | JS msgs/object (all streams) | runs |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const versus = (pick: (x: Summary) => Spread, lessIsBetter: boolean) => {
      if (!rclone || r === rclone || r.runs === 0) return '–';
      const ratio = pick(r).median / pick(rclone).median;
      const verdict = lessIsBetter ? compareSpreads(negated(pick(r)), negated(pick(rclone))) : compareSpreads(pick(r), pick(rclone));
      return `${fmt(ratio)}×, ${verdict}`;
    };
    lines.push(
      `| ${toolLabel(r.tool, d)} | ${fmtSpread(r.objectsPerSecond, 0)} | ${fmtSpread(r.mbPerSecond, 1)} | ${fmtSpread(r.cpuMsPerObject, 3)} | ${versus((x) => x.objectsPerSecond, false)} | ${versus((x) => x.cpuMsPerObject, true)} | ${ceiling && r !== ceiling && r.runs > 0 ? `${fmt(r.objectsPerSecond.median / ceiling.objectsPerSecond.median)}×` : '–'} | ${fmt(r.natsCpuSeconds)} | ${fmt(r.msgsPerObject)} | ${fmt(r.allMsgsPerObject)} | ${r.runs}/${REPEATS}${r.errors.length ? ' (errors below)' : ''} |`,
    );
  }
  const serverSide = rows.find((r) => r.tool === 'ferry-server-side');
  const streamed = rows.find((r) => r.tool === 'ferry-streamed');
  if (serverSide && streamed) lines.push('', `Server-side copy is ${fmt(streamed.seconds.median / serverSide.seconds.median)}× as fast as Ferry's streamed copy of the same objects (medians).`);
  for (const r of rows) for (const e of r.errors) lines.push('', `- ${toolLabel(r.tool, d)} error: \`${e.replace(/`/g, "'").replace(/\n/g, ' ')}\``);
  return lines.join('\n');
}

function targets(all: Array<{ d: DatasetResult; rows: Summary[] }>): string[] {
  const out: string[] = [];
  const verdict = (ok: boolean | undefined, text: string) => out.push(`${ok === undefined ? 'N/A ' : ok ? 'PASS' : 'MISS'} ${text}`);
  const get = (name: string, tool: string) => all.find((x) => x.d.name === name)?.rows.find((r) => r.tool === tool && r.runs > 0);
  const present = (name: string) => all.some((x) => x.d.name === name);
  /** Ferry at least as fast as rclone: not behind beyond the spreads, and the median ratio at least `min`. */
  const speed = (name: string, pick: (x: Summary) => Spread, unit: string, min = 1) => {
    const f = get(name, 'ferry');
    const r = get(name, 'rclone');
    if (!f || !r) return verdict(undefined, `${name} Ferry ${unit} vs rclone: not measured`);
    const ratio = pick(f).median / pick(r).median;
    const how = compareSpreads(pick(f), pick(r));
    verdict(ratio >= min && how !== 'behind', `${name} Ferry ${unit} vs rclone: ${ratio.toFixed(2)}× (${how}; target ≥ ${min}×)`);
  };
  /** Ferry's CPU per object at most `max` times rclone's (medians), Ferry's CPU including nats-server's. */
  const cpu = (name: string, max: number) => {
    const f = get(name, 'ferry');
    const r = get(name, 'rclone');
    if (!f || !r) return verdict(undefined, `${name} Ferry CPU/object vs rclone: not measured`);
    const ratio = f.cpuMsPerObject.median / r.cpuMsPerObject.median;
    verdict(ratio <= max, `${name} Ferry CPU/object ${fmt(f.cpuMsPerObject.median, 3)} ms vs rclone ${fmt(r.cpuMsPerObject.median, 3)} ms: ${ratio.toFixed(2)}× (target ≤ ${max}×)`);
  };
  // Issue 24's targets: on synthetic endpoints (both kinds, plain and TLS) ≥ 1.2× rclone in objects/s at
  // 4 KiB and MB/s at 1 MiB, CPU per object (nats-server included) ≤ 0.8× rclone's; ≥ 0.6× the ceiling at 4 KiB.
  for (const name of Object.keys({ ...syntheticSets, ...tlsSyntheticSets })) {
    if (!present(name)) continue;
    const small = name.includes('4k');
    speed(name, (x) => (small ? x.objectsPerSecond : x.mbPerSecond), small ? 'objects/s' : 'MB/s', 1.2);
    cpu(name, 0.8);
    if (!small || name.startsWith('syn-tls')) continue;
    const f = get(name, 'ferry');
    const c = get(name, 'ceiling');
    const ratio = f && c ? f.objectsPerSecond.median / c.objectsPerSecond.median : undefined;
    verdict(ratio === undefined ? undefined : ratio >= 0.6, `${name} Ferry vs ceiling: ${ratio === undefined ? 'not measured' : `${ratio.toFixed(2)}×`} objects/s (target ≥ 0.6×)`);
  }
  for (const name of ['s3-4k', 's3-64m', 's3-mixed']) {
    if (!present(name)) continue;
    speed(name, (x) => x.objectsPerSecond, 'objects/s');
    const f = get(name, 'ferry');
    const l = get(name, 'loop');
    if (!f || !l) verdict(undefined, `${name} Ferry vs minimal loop: not measured`);
    else {
      const ratio = f.objectsPerSecond.median / l.objectsPerSecond.median;
      const how = compareSpreads(f.objectsPerSecond, l.objectsPerSecond);
      verdict(ratio >= 1 && how !== 'behind', `${name} Ferry vs minimal loop: ${ratio.toFixed(2)}× objects/s (${how}; target ≥ 1×)`);
    }
  }
  if (present('s3-same-cluster-64m')) {
    const fast = get('s3-same-cluster-64m', 'ferry-server-side');
    const slow = get('s3-same-cluster-64m', 'ferry-streamed');
    const ratio = fast && slow ? slow.seconds.median / fast.seconds.median : undefined;
    verdict(ratio === undefined ? undefined : ratio >= 3, `same-cluster server-side vs streamed: ${ratio === undefined ? 'not measured' : `${ratio.toFixed(2)}×`} (target ≥ 3×)`);
  }
  for (const { d, rows } of all) {
    for (const r of rows) {
      if (r.msgsPerObject === undefined) continue;
      verdict(r.msgsPerObject <= 2, `${d.name} ${r.tool}: ${r.msgsPerObject.toFixed(2)} JetStream messages (events+work) per copied object (target ≤ 2)`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const dir = makeTempDir('bench-compare');
  const scratch = join(dir.path, 'scratch');
  mkdirSync(scratch, { recursive: true });
  const nats = await startNatsServer({ storeDir: join(dir.path, 'nats') });
  let nc: NatsConnection | undefined;
  const results: Array<{ d: DatasetResult; rows: Summary[] }> = [];
  const cleanups: Array<() => Promise<void>> = [];
  try {
    nc = await connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    process.stderr.write(`scale ${SCALE}, ${REPEATS} repeat(s), concurrency ${C}, ${FERRY_LABEL}\n`);

    const s3Names = selected.filter((n): n is keyof typeof s3rverSets => n in s3rverSets);
    if (s3Names.length > 0) {
      const sourceDir = join(dir.path, 's3-a');
      const destinationDir = join(dir.path, 's3-b');
      const [a, b]: RunningS3rver[] = await Promise.all([startS3rver({ directory: sourceDir }), startS3rver({ directory: destinationDir })]);
      cleanups.push(async () => void (await Promise.all([a.stop(), b.stop()])));
      const clientA = testS3Client(a.endpoint);
      const clientB = testS3Client(b.endpoint);
      const endpointOf = (s: RunningS3rver): Endpoint => ({ endpoint: s.endpoint, accessKey: s.accessKey, secretKey: s.secretKey });
      const ferry = await startFerryDeployment(nats.url, a.endpoint, join(dir.path, 'ferry-s3'), a.taggingCountHeader);
      cleanups.push(() => ferry.stop());
      let serial = 0;
      const group: Group = {
        source: endpointOf(a),
        rcloneArgs: values['rclone-fast-list'] ? ['--fast-list'] : [],
        ferry,
        newDestination: async (name, sameCluster) => {
          const bucket = `d${++serial}-${name}`.slice(0, 63).replace(/-+$/, '');
          const client = sameCluster ? clientA : clientB;
          await createBucket(client, bucket);
          // Same cluster: Ferry's streamed copy reaches it through another URL (localhost), so
          // the endpoint identity differs from the source's and Ferry streams.
          const endpoint = sameCluster ? { ...endpointOf(a), endpoint: `http://localhost:${a.port}` } : endpointOf(b);
          return {
            bucket,
            endpoint,
            count: () => countBucket(client, bucket),
            drop: () => rmSync(join(sameCluster ? sourceDir : destinationDir, bucket), { recursive: true, force: true }),
          };
        },
      };
      const seeded = new Set<string>();
      for (const name of s3Names) {
        const set = s3rverSets[name]();
        if (!seeded.has(set.bucket)) {
          const t = Date.now();
          await seedS3rver(clientA, set.bucket, set.objects);
          seeded.add(set.bucket);
          process.stderr.write(`seeded ${set.bucket}: ${set.objects.length} objects in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
        }
        const d = await measureDataset(name, set.description, group, set.bucket, set.objects, nats, jsm, scratch);
        const rows = summarize(d);
        results.push({ d, rows });
        console.log(`${table(d, rows)}\n`);
      }
      clientA.destroy();
      clientB.destroy();
      await cleanups.pop()!();
      await cleanups.pop()!();
    }

    const measureSynthetic = async (names: DatasetName[], specOf: (name: DatasetName) => SyntheticSpec, tls?: TestCertificates) => {
      if (names.length === 0) return;
      const specs = names.map(specOf);
      // Source and sink each in a process of their own: serving and hashing 400 MiB is as much
      // CPU as copying it, and in the harness's thread it would cap every tool and slow the
      // harness noticing that a Ferry job completed.
      const source = await startSyntheticS3Process(
        Object.fromEntries(specs.map((s) => [s.bucket, { count: s.count, size: s.size, prefix: GENERATED_PREFIX, ...(s.tagEvery ? { tagEvery: s.tagEvery } : {}) }])),
        tls,
      );
      cleanups.push(() => source.stop());
      // The sink records accepted keys so it can answer HEAD and listings (rclone asks).
      const sink = await startSyntheticS3Process({}, tls);
      cleanups.push(() => sink.stop());
      const endpointOf = (s: SyntheticS3Process): Endpoint => ({ endpoint: s.endpoint, accessKey: 'SYNTHETIC', secretKey: 'SYNTHETIC', ...(tls ? { caPem: tls.caPem } : {}) });
      const ferry = await startFerryDeployment(nats.url, source.endpoint, join(dir.path, `ferry-syn${tls ? '-tls' : ''}`), true, tls?.caFile);
      cleanups.push(() => ferry.stop());
      let serial = 0;
      const group: Group = {
        source: endpointOf(source),
        // The synthetic endpoint answers flat listings only (no delimiter), and rclone's
        // default listing walks directories with one: --fast-list makes it list flat, as Ferry does.
        rcloneArgs: ['--fast-list', ...(tls ? ['--ca-cert', tls.caFile] : [])],
        ferry,
        endpointPids: [source.pid, sink.pid],
        newDestination: async (name) => {
          const bucket = `d${++serial}-${name}`.slice(0, 63).replace(/-+$/, '');
          const created = await putBucket(`${sink.endpoint}/${bucket}`, tls?.caPem);
          if (created !== 200) throw new Error(`create synthetic bucket ${bucket}: ${created}`);
          return { bucket, endpoint: endpointOf(sink), count: () => sink.acceptedCount(bucket), drop: () => {} };
        },
      };
      for (const [i, name] of names.entries()) {
        const spec = specs[i]!;
        const objects: Objects = Array.from({ length: spec.count }, (_, k) => [GENERATED_PREFIX + String(k).padStart(10, '0'), spec.size]);
        const d = await measureDataset(name, spec.description, group, spec.bucket, objects, nats, jsm, scratch);
        const rows = summarize(d);
        results.push({ d, rows });
        console.log(`${table(d, rows)}\n`);
      }
      for (let k = 0; k < 3; k++) await cleanups.pop()!();
    };
    await measureSynthetic(selected.filter((n) => n in syntheticSets), (n) => syntheticSets[n as keyof typeof syntheticSets]());
    const tlsNames = selected.filter((n) => n in tlsSyntheticSets);
    if (tlsNames.length > 0) {
      const certificates = await makeTestCertificates(join(dir.path, 'ca'), 'Ferry benchmark CA');
      await measureSynthetic(tlsNames, (n) => tlsSyntheticSets[n as keyof typeof tlsSyntheticSets](), certificates);
    }

    const verdicts = targets(results);
    console.log(['### Targets', '', ...verdicts.map((v) => `    ${v}`)].join('\n'));

    if (values['write-results']) {
      const info = machineInfo(natsServerBinary(), REPO_ROOT);
      const text = [
        '# Benchmark results: Ferry side by side with rclone, a minimal SDK loop and the ceiling of its copy path',
        '',
        'Written by `node dist/test/bench/compare/run.js --write-results` (`make bench-compare`); see',
        '`test/bench/compare/run.ts` for what is measured. Min, median and max of the runs; every run copies into a fresh',
        'destination bucket; tools run in rotating order. Ferry is timed from the REST start call to',
        '`completed` arriving on the job\'s watch stream (no polling charged to control); its CPU is that of',
        'its own processes and of nats-server (read from /proc), nats-server\'s also shown apart. The synthetic source and sink run',
        'in a process each (syntheticS3Process.ts), apart from the harness. Synthetic data sets come in two kinds:',
        'syn-4k, syn-1m (and their TLS twins) tag one object in 1,000 and report tag counts (x-amz-tagging-count) as',
        'S3 does (rclone -M copies no tags; Ferry copies those); the *-untagged sets carry no tags at all, as most',
        'buckets. s3rver never reports tag counts, so there Ferry asks for each object\'s tags (one extra request per object).',
        'The ceiling row (ceilingLoop.ts) is the bare signed GET→PUT loop on Ferry\'s own HTTP client (SignedHttp.get',
        'and upload: SigV4 and Http1Client) at the same concurrency and nothing else: no NATS, checksums, tags or retries;',
        '"vs ceiling" is a row\'s median objects/s over the ceiling\'s, how close the whole system comes to its copy path\'s limit.',
        'rclone\'s CPU is its rusage; the two loops\' their own processes\', start-up excluded. MB = 10^6 bytes.',
        `Before the measured runs of each data set, every tool makes ${WARMUP} unmeasured run(s) over the same data`,
        '(Ferry\'s long-running services warm their JIT and heap; rclone and the loop start a new process every run).',
        'Each cell is min / median / max of the runs. Ferry\'s CPU includes nats-server\'s. "vs rclone" is the ratio of',
        'medians, and says "ahead" or "behind" only when the medians differ by more than both tools\' spreads (max − min).',
        'syn-tls-* serve the synthetic data over HTTPS with a CA made for the run: Ferry gets it as ferry.source.ca_bundle',
        'and destination_ca_bundle, rclone as --ca-cert, the loop in its https agent, the ceiling as its endpoints\' CA. Ferry\'s object GETs and PUTs over',
        'HTTPS go through its own HTTP/1.1 client on TLS sockets; node:https, which carried them before, was measured against it',
        'on the copy engine (README, "How objects are copied"); undici was not tried inside Ferry.',
        '',
        ...(SCALE < 1 || REPEATS < 5
          ? [`**Validation run only (scale ${SCALE}, ${REPEATS} repeat(s)):** small counts make fixed per-run costs dominate; not the benchmark's result.`, '']
          : []),
        '| | |',
        '|---|---|',
        ...Object.entries(info).map(([k, v]) => `| ${k} | ${v} |`),
        `| scale | ${SCALE} |`,
        `| repeats | ${REPEATS} |`,
        `| warm-up runs per tool and data set | ${WARMUP} |`,
        `| concurrency | ${C} |`,
        `| Ferry | ${FERRY_LABEL} |`,
        '',
        ...results.map(({ d, rows }) => `${table(d, rows)}\n`),
        '## Targets',
        '',
        ...verdicts.map((v) => `    ${v}`),
        '',
      ].join('\n');
      writeFileSync(join(REPO_ROOT, 'test/bench/RESULTS.md'), text);
      process.stderr.write('wrote test/bench/RESULTS.md\n');
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await nc?.close().catch(() => {});
    await nats.stop();
    dir.remove();
  }
}

await main();
