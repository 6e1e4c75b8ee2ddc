import { FerryError, validateJobDefinition, type JobDefinition } from '../../libs/domain/index.js';
import { listObjects, type S3Endpoint } from '../../libs/s3/index.js';
import { compareWithDestination, selectObjects } from '../../libs/selection/index.js';
import { fetchTags } from '../lister/tags.js';
import { destinationAddressPolicy } from '../../libs/net/index.js';
import { checkDestinationAddress } from '../../libs/secrets/index.js';
import { checkJobAddresses, type AddressSettings } from './addressChecks.js';

const FIRST_KEYS = 20;
const TAG_FETCH_CONCURRENCY = 16;

export interface DryRunReport {
  job_id: string;
  dry_run: true;
  object_count: number;
  total_bytes: number;
  first_keys: string[];
  identical_at_destination: number;
}

/**
 * What a job would copy, selected as the lister selects (same filters, same comparison with the
 * destination) but without creating the job or copying anything. The destination credentials come
 * from the request and are neither sealed nor stored.
 */
export async function dryRun(body: unknown, source: S3Endpoint | undefined, addresses: AddressSettings): Promise<DryRunReport> {
  const definition = validateJobDefinition(body, { sourceEndpoint: source?.endpoint });
  await checkJobAddresses(definition, addresses);
  if (!source) {
    throw new FerryError('FAILED_PRECONDITION', 'dry run needs the source endpoint in this control process: set FERRY_SOURCE_ENDPOINT (ferry.source.endpoint)');
  }
  if (definition.destination_endpoint) {
    await checkDestinationAddress(definition.destination_endpoint, destinationAddressPolicy(addresses.allowLinkLocalDestinations));
  }
  const destination = destinationOf(definition, source);
  const report: DryRunReport = { job_id: definition.job_id, dry_run: true, object_count: 0, total_bytes: 0, first_keys: [], identical_at_destination: 0 };
  const listing = (endpoint: S3Endpoint, bucket: string, side: string) => failWith(side, bucket, listObjects(endpoint, bucket, { prefix: definition.prefix }));
  const selected = selectObjects(
    listing(source, definition.source_bucket, 'source'),
    definition,
    (key) => fetchTags(source, definition.source_bucket, key),
    TAG_FETCH_CONCURRENCY,
  );
  for await (const page of compareWithDestination(selected, listing(destination, definition.destination_bucket, 'destination'))) {
    for (const { object, comparison } of page) {
      report.object_count++;
      report.total_bytes += object.size;
      if (report.first_keys.length < FIRST_KEYS) report.first_keys.push(object.key);
      if (comparison === 'identical') report.identical_at_destination++;
    }
  }
  return report;
}

function destinationOf(definition: JobDefinition, source: S3Endpoint): S3Endpoint {
  if (!definition.destination_endpoint) return source;
  return {
    endpoint: definition.destination_endpoint,
    region: definition.destination_region ?? source.region,
    accessKey: definition.destination_access_key ?? '',
    secretKey: definition.destination_secret_key ?? '',
  };
}

/** A listing that cannot be read (missing bucket, refused credentials) answers FAILED_PRECONDITION naming the side. */
async function* failWith<T>(side: string, bucket: string, pages: AsyncGenerator<T[]>): AsyncGenerator<T[]> {
  try {
    yield* pages;
  } catch (err) {
    if (err instanceof FerryError) throw err;
    throw new FerryError('FAILED_PRECONDITION', `listing ${side} bucket ${bucket}: ${(err as Error).message}`);
  }
}
