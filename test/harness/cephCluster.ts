import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopChild } from '../../libs/embedded/index.js';
import { freePort } from './freePort.js';
import { makeTempDir } from './tempDir.js';
import { makeTestCertificates } from './testCertificates.js';
import { waitFor } from './waitFor.js';

const run = promisify(execFile);

/** The binaries the harness needs from the packages `make ceph` installs. */
export const CEPH_BINARIES = ['monmaptool', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool'];

/** RGW's pools, made up front: made lazily, the first CreateBucket, PutObject and CreateMultipartUpload each stall ~2 s. */
const RGW_POOLS = [
  '.rgw.root',
  'default.rgw.log',
  'default.rgw.control',
  'default.rgw.meta',
  'default.rgw.buckets.index',
  'default.rgw.buckets.data',
  'default.rgw.buckets.non-ec',
];

/** Exactly 16 characters, as RGW's STS needs. */
const STS_KEY = 'ferrycompatsts16';

export interface CephUser {
  uid: string;
  accessKey: string;
  secretKey: string;
}

export interface CephCluster {
  dir: string;
  /** RGW over plain HTTP. */
  endpoint: string;
  /** The same RGW over HTTPS, with a certificate for 127.0.0.1 and localhost signed by `caPem`. */
  httpsEndpoint: string;
  caPem: string;
  /** Path of caPem on disk (for AWS_CA_BUNDLE). */
  caFile: string;
  /** The S3 user made at start. */
  user: CephUser;
  /** Milliseconds from the first command to RGW answering requests. */
  startMs: number;
  createUser(uid: string): Promise<CephUser>;
  /** A role whose trust policy lets `trustedUid` assume it, with an s3:* policy; returns its ARN (AssumeRole at `endpoint`, region us-east-1). */
  createRole(roleName: string, trustedUid: string): Promise<string>;
  stop(): Promise<void>;
}

/** Which of the binaries are missing from PATH (empty when Ceph is installed). */
export async function missingCephBinaries(): Promise<string[]> {
  const missing: string[] = [];
  for (const bin of CEPH_BINARIES) {
    try {
      await run('sh', ['-c', `command -v ${bin}`]);
    } catch {
      missing.push(bin);
    }
  }
  return missing;
}

/**
 * A throwaway single-node Ceph cluster (one ceph-mon, one memstore ceph-osd, one radosgw with an HTTP
 * and an HTTPS frontend and STS on) on free loopback ports, all state in one temp dir that stop() removes.
 */
export async function startCephCluster(): Promise<CephCluster> {
  const missing = await missingCephBinaries();
  if (missing.length) throw new Error(`Ceph is not installed (missing ${missing.join(', ')}): \`make test-compat\` installs ceph-mon ceph-osd radosgw ceph-common`);
  const started = Date.now();
  const tmp = makeTempDir('ceph');
  const dir = tmp.path;
  const children: ChildProcess[] = [];
  const killAll = () => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL'));
  // A test runner that dies leaves no daemons behind.
  process.once('exit', killAll);
  let stopping = false;
  const stop = async () => {
    stopping = true;
    process.off('exit', killAll);
    for (const child of [...children].reverse()) await stopChild(child, 'SIGTERM', 10_000);
    tmp.remove();
  };
  try {
    const [monV1, monV2, http, https, msgMin] = await cephPorts();
    const { caPem, caFile, certFile, keyFile } = await makeTestCertificates(dir, 'Ferry compat test CA');
    const fsid = randomUUID();
    const conf = join(dir, 'ceph.conf');
    writeFileSync(conf, cephConf({ dir, fsid, monV1, monV2, http, https, msgMin, certFile, keyFile }));
    const ceph = (...args: string[]) => run('ceph', ['-c', conf, ...args], { timeout: 120_000 });

    for (const sub of ['mon/ceph-a', 'osd/ceph-0', 'run', 'log', 'rgw']) mkdirSync(join(dir, sub), { recursive: true });
    await run('ceph-authtool', ['--create-keyring', join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monV2},v1:127.0.0.1:${monV1}]`, join(dir, 'monmap')]);
    await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', join(dir, 'keyring')]);
    children.push(daemon('ceph-mon', ['-c', conf, '-f', '-i', 'a']));

    const osdUuid = randomUUID();
    const { stdout: osdId } = await ceph('osd', 'new', osdUuid);
    if (osdId.trim() !== '0') throw new Error(`expected osd 0, got ${osdId}`);
    await run('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], { timeout: 120_000 });
    await ceph('osd', 'crush', 'add', 'osd.0', '1.0', 'host=localhost', 'root=default');
    children.push(daemon('ceph-osd', ['-c', conf, '-f', '-i', '0']));
    await createPools(conf);

    children.push(daemon('radosgw', ['-c', conf, '-f', '-n', 'client.rgw.a']));
    const endpoint = `http://127.0.0.1:${http}`;
    await waitFor('radosgw answering', async () => ((await fetch(endpoint)).status > 0 ? true : undefined), 180_000, 100);
    const admin = (...args: string[]) => run('radosgw-admin', ['-c', conf, '-n', 'client.rgw.a', ...args], { timeout: 120_000 });
    const createUser = async (uid: string): Promise<CephUser> => {
      const user = { uid, accessKey: `${uid.toUpperCase()}-ACCESS`.slice(0, 20), secretKey: `${uid}-secret-key-0123456789` };
      await admin('user', 'create', `--uid=${uid}`, `--display-name=${uid}`, `--access-key=${user.accessKey}`, `--secret=${user.secretKey}`);
      return user;
    };
    const user = await createUser('ferry');
    return {
      dir,
      endpoint,
      httpsEndpoint: `https://127.0.0.1:${https}`,
      caPem,
      caFile,
      user,
      startMs: Date.now() - started,
      createUser,
      async createRole(roleName, trustedUid) {
        const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam:::user/${trustedUid}`] }, Action: ['sts:AssumeRole'] }] };
        const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::*'] }] };
        await admin('role', 'create', `--role-name=${roleName}`, `--assume-role-policy-doc=${JSON.stringify(trust)}`);
        await admin('role-policy', 'put', `--role-name=${roleName}`, '--policy-name=s3-all', `--policy-doc=${JSON.stringify(policy)}`);
        return `arn:aws:iam:::role/${roleName}`;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }

  function daemon(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('exit', (code, signal) => {
      if (!stopping) console.error(`${command} exited (${code ?? signal}): ${stderr}`);
    });
    return child;
  }
}

/** One `ceph` CLI session for all pool commands (a process per command costs ~0.5 s each). */
async function createPools(conf: string): Promise<void> {
  const script = RGW_POOLS.flatMap((pool) => [`osd pool create ${pool} 8 8`, `osd pool application enable ${pool} rgw`]).join('\n') + '\n';
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ceph', ['-c', conf], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ceph pool creation exited ${code}: ${stderr}`))));
    child.stdin.end(script);
  });
}

function cephConf(o: { dir: string; fsid: string; monV1: number; monV2: number; http: number; https: number; msgMin: number; certFile: string; keyFile: string }): string {
  return `[global]
fsid = ${o.fsid}
mon host = [v2:127.0.0.1:${o.monV2},v1:127.0.0.1:${o.monV1}]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
paxos propose interval = 0.2
ms bind port min = ${o.msgMin}
ms bind port max = ${o.msgMin + MESSENGER_PORTS}
run dir = ${o.dir}/run
admin socket = ${o.dir}/run/$name.asok
pid file = ${o.dir}/run/$name.pid
log file = ${o.dir}/log/$name.log
keyring = ${o.dir}/keyring
debug ms = 0/0
debug mon = 0/0
debug osd = 0/0
debug rgw = 0/0
debug paxos = 0/0
debug auth = 0/0
debug monc = 0/0
debug objclass = 0/0

[mon]
mon data = ${o.dir}/mon/ceph-$id
mon cluster log file = ${o.dir}/log/cluster.log

[osd]
osd data = ${o.dir}/osd/ceph-$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd journal size = 0

[client.rgw.a]
rgw data = ${o.dir}/rgw
ms mon client mode = crc secure
rgw frontends = beast endpoint=127.0.0.1:${o.http} ssl_endpoint=127.0.0.1:${o.https} ssl_certificate=${o.certFile} ssl_private_key=${o.keyFile}
rgw s3 auth use sts = true
rgw sts key = ${STS_KEY}
`;
}

/** Messenger ports the mon and osd bind, from `ms bind port min` on (cephConf). */
const MESSENGER_PORTS = 200;

/**
 * Free ports for the mon (v1, v2), radosgw (http, https) and the messengers' first port, none of the
 * first four inside the messengers' range: an osd binding one of them first leaves radosgw exiting 98
 * (address in use).
 */
async function cephPorts(): Promise<[number, number, number, number, number]> {
  const msgMin = await freePort();
  const outside: number[] = [];
  while (outside.length < 4) {
    const port = await freePort();
    if ((port < msgMin || port > msgMin + MESSENGER_PORTS) && !outside.includes(port)) outside.push(port);
  }
  const [monV1, monV2, http, https] = outside as [number, number, number, number];
  return [monV1, monV2, http, https, msgMin];
}
