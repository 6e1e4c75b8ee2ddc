import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: ferry [--server HOST:PORT] [--token TOKEN] [--output table|json] <command>

Commands:
  jobs create -f FILE          create a job from a JSON or YAML file (- reads stdin)
    --dry-run                  only validate and list what it would copy: count, bytes, first keys, identical
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
  jobs failed ID               objects that failed after their retries
  jobs errors ID               recent copy errors
  jobs history ID              the job's events
  jobs watch ID                live progress until the job ends (exit 1 unless it completes)
  keys rotate [--to ID]        re-seal every job's data key under control's current master key, so older
                               master keys can be removed (--to: refuse unless the current key is ID);
                               resumable, safe to run again (exit 1 when a data key did not open)
  projector rebuild            how to rebuild the read model

Global flags:
  --server HOST:PORT   gRPC address of control (FERRY_SERVER, default 127.0.0.1:9090)
  --token TOKEN        bearer token (FERRY_ADMIN_TOKEN)
  --output, -o FORMAT  table (default) or json: the raw response
`;

export interface CliArgs {
  server: string;
  token: string | undefined;
  output: 'table' | 'json';
  file: string | undefined;
  status: string | undefined;
  dryRun: boolean;
  writeProbe: boolean;
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
        token: { type: 'string' },
        output: { type: 'string', short: 'o' },
        file: { type: 'string', short: 'f' },
        status: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'write-probe': { type: 'boolean' },
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
  return {
    server: values.server ?? env.FERRY_SERVER ?? '127.0.0.1:9090',
    token: values.token ?? env.FERRY_ADMIN_TOKEN,
    output,
    file: values.file,
    status: values.status,
    dryRun: values['dry-run'] ?? false,
    writeProbe: values['write-probe'] ?? false,
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
