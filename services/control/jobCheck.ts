import { FerryError, type StoredJobDefinition } from '../../libs/domain/index.js';
import type { AddressPolicy } from '../../libs/net/index.js';
import { checkBucket, startRefusal, type BucketCheck, type S3Endpoint } from '../../libs/s3/index.js';
import { destinationEndpoint, destinationTls, sourceEndpoint, type SecretSealer } from '../../libs/secrets/index.js';

export interface JobCheckReport {
  job_id: string;
  ok: boolean;
  buckets: BucketCheck[];
}

export interface JobCheckContext {
  /** The deployment's source. */
  source: S3Endpoint;
  sealer: SecretSealer;
  /** The destination address policy (applied when the job names its own destination endpoint). */
  policy: AddressPolicy;
}

/**
 * Both sides of a job checked at once: the source bucket at the deployment's source, the destination
 * bucket at the job's endpoint (or the source's), each through the credentials its runs use. With
 * `probeNonce`, a zero-byte object is written in the destination bucket under the job's prefix and deleted.
 */
export async function checkJob(definition: StoredJobDefinition, ctx: JobCheckContext, probeNonce?: string): Promise<JobCheckReport> {
  const { source, sealer, policy } = ctx;
  const buckets = await Promise.all([
    checkBucket({
      side: 'source',
      endpoint: source.endpoint,
      bucket: definition.source_bucket,
      pathStyle: source.pathStyle,
      tls: source.tls,
      signing: () => sourceEndpoint(definition, source),
      credentialKind: definition.source_credentials,
      noProbeReason: 'Ferry only reads the source',
    }),
    checkBucket({
      side: 'destination',
      endpoint: definition.destination_endpoint ?? source.endpoint,
      bucket: definition.destination_bucket,
      pathStyle: definition.destination_endpoint ? definition.destination_path_style : source.pathStyle,
      tls: definition.destination_endpoint ? destinationTls(definition) : source.tls,
      signing: () => destinationEndpoint(definition, source, sealer),
      credentialKind: definition.destination_credentials,
      policy: definition.destination_endpoint ? policy : undefined,
      probeKey: probeNonce === undefined ? undefined : `${definition.prefix ?? ''}.ferry-check-${probeNonce}`,
    }),
  ]);
  return { job_id: definition.job_id, ok: buckets.every((b) => b.ok), buckets };
}

/** The start's refusal for a failed check (FAILED_PRECONDITION or PERMISSION_DENIED naming the bucket and the cause), if any. */
export function refusalOf(report: JobCheckReport): FerryError | undefined {
  const refusal = startRefusal(report.buckets);
  if (!refusal) return undefined;
  return new FerryError(refusal.code, refusal.message, [{ field: `${refusal.side}_bucket`, reason: refusal.reason }]);
}

/** `source: tcp ECONNREFUSED`-style names of the failed steps, for the log line. */
export function failedSteps(report: JobCheckReport): string[] {
  return report.buckets.flatMap((b) => b.steps.filter((s) => s.status === 'failed').map((s) => `${b.side}: ${s.name}${s.code ? ` ${s.code}` : ''}`));
}
