import type { ChecksumAlgorithm, ObjectChecksum } from './checksums.js';
import type { JobChecksumAlgorithm } from './copyTypes.js';

/**
 * The additional checksum one copy computes while streaming, sends to the destination (which then
 * verifies what it stores) and, where the source reported one, compares with the source's.
 */
export interface ChecksumPlan {
  algorithm: ChecksumAlgorithm;
  /** The source's checksum to compare with; undefined when Ferry computes one the source has none of. */
  source?: ObjectChecksum;
}

/**
 * The source's algorithm where it has a checksum, else the job's checksum_algorithm, else none (and
 * nothing is hashed beyond MD5). A single request cannot carry a composite (`value-N`) checksum, nor
 * can parts other than the source's reproduce one: `inSourceParts` says whether the copy goes in them.
 */
export function checksumPlan(source: ObjectChecksum | undefined, job: JobChecksumAlgorithm | undefined, inSourceParts: boolean): ChecksumPlan | undefined {
  if (source && (source.type === 'FULL_OBJECT' || (inSourceParts && source.parts !== undefined))) return { algorithm: source.algorithm, source };
  if (source) return { algorithm: source.algorithm };
  return job ? { algorithm: job } : undefined;
}
