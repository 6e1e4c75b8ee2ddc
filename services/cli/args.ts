import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: ferry [--server [grpcs://]HOST:PORT] [--ca FILE] [--cert FILE --key FILE] [--server-name NAME] [--token TOKEN] [--output table|json] <command>

Commands:
  jobs create -f FILE          create a job from a JSON or YAML file (- reads stdin)
    --dry-run                  only validate and list what it would copy: count, bytes, first keys, identical
    --checksum-algorithm ALG   checksum_algorithm: crc32c, sha256 or none (over the file's)
    --versions latest|all      versions: the latest objects, or every version and delete marker into a
                               versioned destination (over the file's)
  jobs list [--status S]       every job: id, status, run, objects, bytes, rate
  jobs get ID                  one job with its progress and runs
  jobs start|pause|resume|cancel|delete|retry-failed ID
  jobs update ID               change run settings, running or not (recorded in the history):
    --rate BYTES_PER_SEC       rate_limit_bytes_per_sec (0 removes the limit)
    --concurrency N            copies in flight across all copiers
    --priority N               place among queued jobs and in copiers' slots
  jobs check ID                reach both buckets step by step (DNS, TCP, TLS, signature, bucket, list);
    --write-probe              also write a zero-byte object in the destination bucket and delete it
                               (exit 1 when a step failed; \`ferry check ID\` is the same)
  jobs verify ID               compare source and destination without copying (like rclone check): a
                               verify run, followed to its end, then its counts and each key missing,
                               differing or extra (exit 1 unless all matched; \`ferry verify ID\` is the same)
  jobs differences ID          what the latest verify run found
  jobs failed ID               objects that failed after their retries
  jobs errors ID               recent copy errors
  jobs history ID              the job's events
  jobs watch ID                live progress until the job ends (exit 1 unless it completes)
  keys rotate [--to ID]        re-seal every job's data key under control's current master key, so older
                               master keys can be removed (--to: refuse unless the current key is ID);
                               resumable, safe to run again (exit 1 when a data key did not open)
  projector rebuild            how to rebuild the read model

Global flags:
  --server ADDRESS     gRPC address of control (FERRY_SERVER, default 127.0.0.1:9090): HOST:PORT or
                       grpc://HOST:PORT in plain text, grpcs://HOST:PORT over TLS
  --ca FILE            PEM CA certificate(s) the server's certificate must chain to, instead of the
                       system's (FERRY_CA); implies TLS
  --cert FILE          PEM client certificate, for a server that requires one (FERRY_CERT); with --key
  --key FILE           the client certificate's PEM private key (FERRY_KEY); implies TLS
  --server-name NAME   the name the server's certificate must hold, when the address is not one of its
                       names, e.g. through kubectl port-forward (FERRY_SERVER_NAME); implies TLS
  --token TOKEN        bearer token (FERRY_ADMIN_TOKEN)
  --output, -o FORMAT  table (default) or json: the raw response
`;

/** How the CLI speaks TLS: PEM file paths; none given (over grpcs://) means the system's CAs and no client certificate. */
export interface CliTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** Checked against the server's certificate (and sent as SNI) instead of the address's host. */
  serverName?: string;
}

export interface CliArgs {
  /** HOST:PORT, the scheme taken off. */
  server: string;
  /** Unset: plain text. */
  tls: CliTls | undefined;
  token: string | undefined;
  output: 'table' | 'json';
  file: string | undefined;
  status: string | undefined;
  dryRun: boolean;
  writeProbe: boolean;
  /** jobs create --checksum-algorithm: the job's checksum_algorithm, over the file's. */
  checksumAlgorithm: string | undefined;
  /** jobs create --versions: the job's versions (latest or all), over the file's. */
  versions: string | undefined;
  /** jobs update's --rate, --concurrency and --priority. */
  changes: { rate_limit_bytes_per_sec?: number; concurrency?: number; priority?: number };
  /** keys rotate --to ID */
  to: string | undefined;
  help: boolean;
  /** e.g. ['jobs', 'get', 'ID'] */
  words: string[];
}

export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: 'string' },
        ca: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'server-name': { type: 'string' },
        token: { type: 'string' },
        output: { type: 'string', short: 'o' },
        file: { type: 'string', short: 'f' },
        status: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'write-probe': { type: 'boolean' },
        'checksum-algorithm': { type: 'string' },
        versions: { type: 'string' },
        rate: { type: 'string' },
        concurrency: { type: 'string' },
        priority: { type: 'string' },
        to: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json') throw new UsageError(`--output must be table or json, not ${output}`);
  const { server, tls } = serverOf(values.server ?? env.FERRY_SERVER ?? '127.0.0.1:9090', {
    ca: values.ca ?? (env.FERRY_CA || undefined),
    cert: values.cert ?? (env.FERRY_CERT || undefined),
    key: values.key ?? (env.FERRY_KEY || undefined),
    serverName: values['server-name'] ?? (env.FERRY_SERVER_NAME || undefined),
  });
  return {
    server,
    tls,
    token: values.token ?? env.FERRY_ADMIN_TOKEN,
    output,
    file: values.file,
    status: values.status,
    dryRun: values['dry-run'] ?? false,
    writeProbe: values['write-probe'] ?? false,
    checksumAlgorithm: values['checksum-algorithm'],
    versions: values.versions,
    changes: {
      ...wholeNumber('--rate', values.rate, 'rate_limit_bytes_per_sec'),
      ...wholeNumber('--concurrency', values.concurrency, 'concurrency'),
      ...wholeNumber('--priority', values.priority, 'priority'),
    },
    to: values.to,
    help: values.help ?? false,
    words: positionals,
  };
}

/** A flag's value as a whole number, under the request field it sets; nothing when the flag is absent. */
function wholeNumber<K extends string>(flag: string, value: string | undefined, field: K): Partial<Record<K, number>> {
  if (value === undefined) return {};
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, not ${value}`);
  return { [field]: Number(value) } as Partial<Record<K, number>>;
}

/**
 * The server address and whether to use TLS: grpcs:// says TLS, grpc:// plain text, and a bare
 * HOST:PORT is TLS when any TLS flag is given (plain text otherwise, as `make run` serves).
 */
function serverOf(address: string, files: CliTls): { server: string; tls: CliTls | undefined } {
  const given = Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)) as CliTls;
  const named = Object.keys(given).map((k) => `--${k === 'serverName' ? 'server-name' : k}`);
  if ((given.cert === undefined) !== (given.key === undefined)) {
    throw new UsageError(`${given.cert === undefined ? '--key' : '--cert'} needs ${given.cert === undefined ? '--cert' : '--key'}: a client certificate is given with its key`);
  }
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(address);
  if (!match) return { server: address, tls: named.length > 0 ? given : undefined };
  const scheme = match[1]!.toLowerCase();
  const server = match[2]!.replace(/\/$/, '');
  if (scheme === 'grpcs') return { server, tls: given };
  if (scheme === 'grpc') {
    if (named.length > 0) throw new UsageError(`${named.join(', ')} need TLS, but --server ${address} says plain text: use grpcs://${server}`);
    return { server, tls: undefined };
  }
  throw new UsageError(`--server must be HOST:PORT, grpc://HOST:PORT or grpcs://HOST:PORT (the gRPC port), not ${address}`);
}
