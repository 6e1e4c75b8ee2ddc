import { invalidField } from './errors.js';

/**
 * How a job checks the destination: after each copy (the job's `verify`) and in a verify run.
 * `size`: the destination's size equals the source's. `etag`: its ETag equals the source's.
 * `checksum`: an x-amz-checksum-* value (read with x-amz-checksum-mode: ENABLED) equals the source's.
 */
export const VERIFY_MODES = ['size', 'etag', 'checksum'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

/** What a run does: copy the selection (the default) or compare source and destination without copying. */
export type RunKind = 'copy' | 'verify';

export function checkVerifyMode(value: unknown): void {
  if (value !== undefined && !VERIFY_MODES.includes(value as VerifyMode)) {
    throw invalidField('verify', `must be one of ${VERIFY_MODES.join(', ')}`);
  }
}
